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
