package emailaddr

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEmail: normalizing is idempotent, and an address that validates is
// normalized, ASCII (so no look-alike letters), short enough and has exactly
// the shape name@domain.tld.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"a@b.co", " A@B.CO ", "Bob <bob@example.com>", "a@b", "@b.co", "a@@b.co", "ünï@cödé.de",
		"\"quoted name\"@example.com", "a@b.co.", strings.Repeat("x", 300) + "@example.com", "a@b.co\x00",
		"admİn@example.com", "admın@example.com", "ａｄｍｉｎ＠ｅｘａｍｐｌｅ.com", "admin@ｅｘａｍｐｌｅ.com", "a@exämple.com",
		"a@XN--EXMPLE-CUA.COM", "a@xn--zz.com", "a@example。com", "a@straße.de", "a@b＠c.com", "a@" + strings.Repeat("b", 64) + ".com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e := Normalize(raw)
		if Normalize(e) != e {
			t.Fatalf("Normalize is not idempotent on %q", raw)
		}
		if Validate(e) != nil {
			return
		}
		if len(e) > MaxLength || !utf8.ValidString(e) || strings.ContainsAny(e, " \t\r\n<>") || !isASCII(e) {
			t.Fatalf("accepted %q", e)
		}
		at := strings.LastIndexByte(e, '@')
		if at < 1 || !strings.Contains(e[at+1:], ".") {
			t.Fatalf("accepted %q without name@domain.tld", e)
		}
		// Before the @ only A–Z change: no other letter is folded onto ASCII
		// (strings.ToLower turns "İ" into "i", another mailbox into an account).
		typed := strings.TrimSpace(raw)
		if local := typed[:strings.LastIndexByte(typed, '@')]; !isASCII(local) || e[:at] != strings.ToLower(local) {
			t.Fatalf("%q: the part before the @ became %q", raw, e[:at])
		}
	})
}
