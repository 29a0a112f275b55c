package emailaddr

import (
	"errors"
	"strings"
	"testing"
)

// TestNormalize: one spelling per mailbox. ASCII case folds, the domain
// takes its IDNA (punycode) form, and a local part that is not ASCII — where
// İ, ı, full-width or Cyrillic letters pass for Latin ones — is refused
// rather than folded onto someone else's address.
func TestNormalize(t *testing.T) {
	t.Parallel()
	valid := map[string]string{
		" MiXeD@Example.ORG ":           "mixed@example.org",
		"bob@exämple.com":               "bob@xn--exmple-cua.com",
		"Bob@EXÄMPLE.com":               "bob@xn--exmple-cua.com",
		"bob@XN--EXMPLE-CUA.COM":        "bob@xn--exmple-cua.com",
		"admin@ｅｘａｍｐｌｅ.com":             "admin@example.com", // full-width domain: the same DNS name
		"admin@example。com":             "admin@example.com", // ideographic full stop
		"a.b+tag@例え.テスト":                "a.b+tag@xn--r8jz45g.xn--zckzah",
		"x@straße.de":                   "x@xn--strae-oqa.de", // IDNA2008: not strasse.de
		"o'brien_2-x@sub.example.co.uk": "o'brien_2-x@sub.example.co.uk",
	}
	for in, want := range valid {
		got := Normalize(in)
		if got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
		if err := Validate(got); err != nil {
			t.Errorf("Validate(%q) = %v, want it valid", got, err)
		}
	}
	invalid := map[string]error{
		"admİn@example.com":                         ErrNotASCII, // U+0130, which strings.ToLower turns into i
		"admın@example.com":                         ErrNotASCII, // dotless ı
		"ａｄｍｉｎ@example.com":                         ErrNotASCII, // full-width local part
		"аdmin@example.com":                         ErrNotASCII, // Cyrillic а
		"ünï@example.com":                           ErrNotASCII,
		"admi\u0307n@example.com":                   ErrNotASCII, // combining dot
		"ａｄｍｉｎ＠example.com":                         ErrInvalid,  // full-width @: not an address
		"admin@exa_mple.com":                        ErrInvalid,
		"admin@-example.com":                        ErrInvalid,
		"admin@example..com":                        ErrInvalid,
		"admin@" + strings.Repeat("a", 64) + ".com": ErrInvalid,
		"admin@xn--zz.com":                          ErrInvalid,
		"admin@example":                             ErrInvalid,
		"":                                          ErrMissing,
	}
	for in, want := range invalid {
		e := Normalize(in)
		if err := Validate(e); !errors.Is(err, want) {
			t.Errorf("Validate(Normalize(%q) = %q) = %v, want %v", in, e, err, want)
		}
	}
}

func TestValidateRefusesLongAddresses(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", MaxLength) + "@example.com"
	if err := Validate(long); !errors.Is(err, ErrTooLong) {
		t.Errorf("Validate(%d bytes) = %v, want ErrTooLong", len(long), err)
	}
}
