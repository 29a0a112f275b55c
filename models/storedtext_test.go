package models_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hearth-app/hearth/models"
)

func TestStoredTextIsValidBoundedUTF8(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"Mozilla", "Mozill"},
		{"\xff\xfe", "\uFFFD"},
		{"a\x00b", "ab"},
		{"abcdefgh", "abcdef"},
		{"abcde\u00e9", "abcde"},    // é is two bytes: cut before it, not inside
		{"abc\U0001F600xyz", "abc"}, // an emoji is four
		{"abcd\xff\xffzz", "abcd"},  // the replacement does not fit
	} {
		if got := models.StoredText(tc.in, 6); got != tc.want {
			t.Errorf("StoredText(%q, 6) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := models.StoredText(strings.Repeat("\xe9", 10_000), models.MaxUserAgentLen)
	if !utf8.ValidString(long) || len(long) > models.MaxUserAgentLen {
		t.Errorf("10 KB of invalid bytes became %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}
