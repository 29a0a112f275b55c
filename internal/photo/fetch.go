package photo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// FetchTimeout bounds a whole download of a provider's picture.
const FetchTimeout = 5 * time.Second

// ErrURL is a picture address Hearth will not fetch (not https).
var ErrURL = errors.New("photo: the picture's address is not https")

// Fetch downloads the picture at rawURL with client (see Client) and
// returns its bytes, at most MaxBytes, within FetchTimeout. Only https is
// fetched, redirects included.
func Fetch(ctx context.Context, client *http.Client, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, ErrURL
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, ErrURL
	}
	req.Header.Set("Accept", "image/png, image/jpeg, image/gif, image/webp")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("photo: the picture's address answered %d", res.StatusCode)
	}
	if res.ContentLength > MaxBytes {
		return nil, ErrTooLarge
	}
	return Read(res.Body)
}

// Client is the HTTP client for pictures: dial (a guard's DialContext that
// refuses private addresses, say) for every connection, redirects included,
// no proxy from the environment, at most 3 redirects and all of them to
// https.
func Client(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
	return &http.Client{
		Timeout: FetchTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dial,
			TLSHandshakeTimeout:   FetchTimeout,
			ResponseHeaderTimeout: FetchTimeout,
			MaxIdleConns:          4,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: CheckRedirect,
	}
}

// CheckRedirect follows at most 3 redirects, to https only.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("photo: too many redirects")
	}
	if req.URL.Scheme != "https" {
		return ErrURL
	}
	return nil
}
