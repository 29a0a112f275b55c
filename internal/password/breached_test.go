package password

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rangeAPI is a fake Pwned Passwords range API that knows breached, and
// records the paths it was asked for.
func rangeAPI(t *testing.T, breached ...string) (*httptest.Server, *[]string) {
	t.Helper()
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		if r.Header.Get("Add-Padding") != "true" {
			t.Errorf("request without Add-Padding: %v", r.Header)
		}
		prefix := strings.TrimPrefix(r.URL.Path, "/range/")
		for _, pw := range breached {
			sum := sha1.Sum([]byte(pw))
			d := strings.ToUpper(hex.EncodeToString(sum[:]))
			if d[:5] == prefix {
				fmt.Fprintf(w, "%s:42\r\n", d[5:])
			}
		}
		// Padding: decoys with a count of 0, and a real-looking other suffix.
		fmt.Fprintf(w, "%s:0\r\n%s:3\r\n", strings.Repeat("A", 35), strings.Repeat("B", 35))
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

func TestPwnedPasswordsSendsOnlyAPrefix(t *testing.T) {
	t.Parallel()
	srv, asked := rangeAPI(t, "hunter2 but longer")
	p := PwnedPasswords{URL: srv.URL + "/range/"}
	got, err := p.Breached(t.Context(), "hunter2 but longer")
	if err != nil || !got {
		t.Fatalf("a breached password: %v, %v", got, err)
	}
	got, err = p.Breached(t.Context(), "a sturdy passphrase")
	if err != nil || got {
		t.Fatalf("a password not in the list: %v, %v", got, err)
	}
	sum := sha1.Sum([]byte("hunter2 but longer"))
	full := strings.ToUpper(hex.EncodeToString(sum[:]))
	for _, path := range *asked {
		if len(strings.TrimPrefix(path, "/range/")) != 5 || strings.Contains(path, full[5:]) {
			t.Errorf("asked %q: more than the 5-digit prefix left the machine", path)
		}
	}
}

func TestPwnedPasswordsPaddingIsNeverAMatch(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := sha1.Sum([]byte("a sturdy passphrase"))
		fmt.Fprintf(w, "%s:0\n", strings.ToUpper(hex.EncodeToString(sum[:]))[5:])
	}))
	defer srv.Close()
	got, err := PwnedPasswords{URL: srv.URL + "/"}.Breached(t.Context(), "a sturdy passphrase")
	if err != nil || got {
		t.Fatalf("a padding line (count 0) matched: %v, %v", got, err)
	}
}

func TestPwnedPasswordsFailuresAreErrors(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	for name, h := range map[string]http.HandlerFunc{
		"500": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) },
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://example.invalid/", http.StatusFound)
		},
		"garbage": func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>not a list</html>") },
		"empty":   func(http.ResponseWriter, *http.Request) {},
	} {
		srv := httptest.NewServer(h)
		_, err := PwnedPasswords{URL: srv.URL + "/"}.Breached(t.Context(), "a sturdy passphrase")
		srv.Close()
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	start := time.Now()
	_, err := PwnedPasswords{URL: slow.URL + "/", Timeout: 50 * time.Millisecond}.Breached(t.Context(), "a sturdy passphrase")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a range API that never answers: %v, want the deadline", err)
	}
	if time.Since(start) > 4*time.Second {
		t.Errorf("the lookup was not bounded by its timeout")
	}
}

func TestPolicyAsksTheBreachListAndFallsBackOffline(t *testing.T) {
	t.Parallel()
	srv, _ := rangeAPI(t, "a sturdy passphrase")
	var failures atomic.Int32
	p := Policy{Breached: PwnedPasswords{URL: srv.URL + "/range/"}, OnBreachCheckFailed: func(error) { failures.Add(1) }}
	if err := p.Check(t.Context(), "a sturdy passphrase", ""); !errors.Is(err, ErrBreached) {
		t.Errorf("a breached password: %v, want ErrBreached", err)
	}
	if err := p.Check(t.Context(), "another sturdy phrase", ""); err != nil {
		t.Errorf("a password the range API does not know: %v", err)
	}
	if err := p.CheckOffline("a sturdy passphrase", ""); err != nil {
		t.Errorf("CheckOffline asked the range API: %v", err)
	}

	down := Policy{Breached: PwnedPasswords{URL: "http://127.0.0.1:1/"}, OnBreachCheckFailed: func(error) { failures.Add(1) }}
	if err := down.Check(t.Context(), "another sturdy phrase", ""); err != nil {
		t.Errorf("range API unreachable: %v, want the offline verdict (accepted)", err)
	}
	if err := down.Check(t.Context(), "password1234", ""); !errors.Is(err, ErrTooCommon) {
		t.Errorf("range API unreachable: %v, want the offline list's ErrTooCommon", err)
	}
	if failures.Load() != 1 {
		t.Errorf("OnBreachCheckFailed heard %d failures, want 1 (the offline list refused the second before asking)", failures.Load())
	}
}

func TestEstimateNamesTheWeakness(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]string{
		"zzzzzzzzzzzzzzz":  "Repeated",
		"abcdefghijklmn":   "Sequences",
		"asdfghjkl;'":      "Rows of keys",
		"ann@example.com1": "your name or email",
	} {
		s := Estimate(pw, "ann@example.com")
		if s.Score > 1 || !strings.Contains(s.Warning, want) {
			t.Errorf("Estimate(%q) = %+v, want a weak score and a warning with %q", pw, s, want)
		}
	}
	// Past estimateLength only the start is estimated: the matcher's work
	// grows fast with the length, and a long password is never refused for it.
	long := strings.Repeat("z", 60) + " and then a passphrase"
	if err := (Policy{}).CheckOffline(long, ""); err != nil {
		t.Errorf("a long password refused for its guessable start: %v", err)
	}
	if s := Estimate("correct horse battery staple"); s.Score < 3 || s.Warning != "" {
		t.Errorf("a long passphrase: %+v", s)
	}
	if s := Estimate(strings.Repeat("x", 10_000)); s.Score > 1 {
		t.Errorf("a huge input was estimated: %+v", s)
	}
}

func BenchmarkEstimate(b *testing.B) {
	for _, pw := range []string{"correct horse battery staple", strings.Repeat("Tr0ub4dor&3", 11)} {
		b.Run(fmt.Sprint(len(pw)), func(b *testing.B) {
			for b.Loop() {
				Estimate(pw, "ann@example.com", "Ann")
			}
		})
	}
}
