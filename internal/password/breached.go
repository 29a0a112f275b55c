package password

import (
	"bufio"
	"context"
	"crypto/sha1" // the Pwned Passwords API is keyed by SHA-1: a lookup key, not a protection
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// BreachChecker says whether a password is known from a breach. An error
// means it could not tell; the policy then stands on the offline list.
type BreachChecker interface {
	Breached(ctx context.Context, password string) (bool, error)
}

// DefaultPwnedPasswordsURL is Have I Been Pwned's range API; the first five
// hex digits of the password's SHA-1 are appended.
const DefaultPwnedPasswordsURL = "https://api.pwnedpasswords.com/range/"

// PwnedPasswords asks Have I Been Pwned's range API with k-anonymity: only
// the first 5 of the 40 hex digits of the password's SHA-1 leave the
// machine, the answer lists every suffix with that prefix (padded with
// decoys, so its size says nothing), and the match happens here.
type PwnedPasswords struct {
	URL     string        // DefaultPwnedPasswordsURL when empty
	Client  *http.Client  // http.DefaultClient's transport when nil; redirects are not followed
	Timeout time.Duration // the whole lookup; 2 s when zero
}

// ErrRangeAPI is a range API answer that is not a list of suffixes.
var ErrRangeAPI = errors.New("password: unexpected answer from the range API")

// Breached implements BreachChecker.
func (p PwnedPasswords) Breached(ctx context.Context, password string) (bool, error) {
	sum := sha1.Sum([]byte(password))
	digest := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := digest[:5], digest[5:]

	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := p.URL
	if base == "" {
		base = DefaultPwnedPasswordsURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+prefix, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", "Hearth password check")
	client := http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if p.Client != nil {
		client.Transport = p.Client.Transport
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("%w: status %d", ErrRangeAPI, resp.StatusCode)
	}
	// A real answer is about 1,000 lines of 40 bytes; 4 MiB is far beyond it.
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4<<20))
	lines := 0
	for sc.Scan() {
		got, count, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || len(got) != len(suffix) {
			return false, fmt.Errorf("%w: a line is not SUFFIX:COUNT", ErrRangeAPI)
		}
		lines++
		// Padding lines have a count of 0: decoys, never a match.
		if strings.EqualFold(got, suffix) && strings.TrimLeft(count, "0") != "" {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	if lines == 0 {
		return false, fmt.Errorf("%w: empty", ErrRangeAPI)
	}
	return false, nil
}
