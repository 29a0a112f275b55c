package handlers

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext: whatever comes in, what goes out is the fallback or a path
// on this site that no browser would read as another host.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/account", "/account?tab=1#x", "//evil.example", "/\\evil.example", "https://evil.example",
		"/%2F%2Fevil.example", "/\t/evil.example", "javascript:alert(1)", "", "/", "\\\\x", "/a/../..//evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next, "/fallback")
		if got == "/fallback" {
			return
		}
		if got != next {
			t.Fatalf("safeNext changed %q to %q", next, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\t") {
			t.Fatalf("unsafe redirect target %q allowed", got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("%q parses with a host or scheme", got)
		}
		// Resolved against our origin, it must stay on our origin.
		base, _ := url.Parse("https://app.example/")
		if r := base.ResolveReference(u); r.Host != "app.example" {
			t.Fatalf("%q resolves to host %q", got, r.Host)
		}
	})
}

// FuzzBearerHeader: the Authorization parser accepts exactly "Bearer " (the
// scheme in any case) and a non-empty RFC 6750 token68, and returns that
// token unchanged.
func FuzzBearerHeader(f *testing.F) {
	for _, s := range []string{"Bearer hth_abc", "bearer hth_abc", "BEARER x==", "Bearer ", "Bearer  x", "Bearer x y", "Basic dXNlcjpwYXNz",
		"Bearer ===", "Bearer a=b", "Bearer\thth_x", "Bearer hth_\x00", "Bearer hth_é", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := parseBearer(h)
		if !ok {
			if tok != "" {
				t.Fatalf("refused %q but returned %q", h, tok)
			}
			return
		}
		if tok == "" || !strings.EqualFold(h[:7], "Bearer ") || h[7:] != tok {
			t.Fatalf("%q parsed as token %q", h, tok)
		}
		trimmed := strings.TrimRight(tok, "=")
		if trimmed == "" || strings.Contains(trimmed, "=") {
			t.Fatalf("%q: padding only at the end of a non-empty token", h)
		}
		for _, r := range trimmed {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~+/", r)) {
				t.Fatalf("%q: token has %q", h, r)
			}
		}
	})
}
