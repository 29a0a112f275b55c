// Package webhook delivers webhook events to the endpoints admins
// registered: Standard Webhooks signatures (the scheme of Svix and Clerk),
// a delivery worker on the job queue (models.WebhookJob), and the address
// guard that keeps deliveries off the server's own network (SSRF).
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// ErrSecret is a signing secret that is not whsec_ and base64.
var ErrSecret = errors.New("a webhook secret is whsec_ followed by base64")

// secretKey is the HMAC key of secret: the base64 after whsec_.
func secretKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, ErrSecret
	}
	return key, nil
}

// Sign returns the webhook-signature header of a delivery: for each
// secret, v1, and the base64 HMAC-SHA256 of "id.timestamp.body", separated
// by spaces (receivers accept any one of them, which is how a rotated-out
// secret keeps working for a while).
func Sign(secrets []string, id string, timestamp int64, body []byte) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}
