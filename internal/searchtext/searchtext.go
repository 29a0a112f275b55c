// Package searchtext folds text for the admin users search, so that a
// search ignores case and accents the same way on SQLite and PostgreSQL
// without a database extension: "jose" finds "José", "muller" finds
// "Müller", "Zoë" finds "Zoe", "strasse" finds "Straße", "lukasz" finds
// "Łukasz".
//
// The users table stores User(email, name) in users.search_text (migration
// 00024); a search folds the typed text with Fold and looks for it there.
// Changing Fold changes what is stored: it then takes a migration that
// rewrites users.search_text (as 00025 did when letters were added).
package searchtext

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold returns s case-folded (Unicode full folding: "ß" is "ss"), in
// compatibility form ("ﬁ" is "fi", full-width letters are ASCII), with the
// accents and other combining marks removed ("é" is "e"), and the Latin
// letters that carry a stroke or are ligatures without a decomposition
// spelled as PostgreSQL's unaccent does ("ł" is "l", "ø" is "o", "æ" is
// "ae"). Bytes that are not UTF-8 are dropped, so any input gives valid
// text.
func Fold(s string) string {
	s = norm.NFKD.String(cases.Fold().String(strings.ToValidUTF8(s, "")))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if l, ok := spelled(r); ok {
			b.WriteString(l)
		} else {
			b.WriteRune(r)
		}
	}
	// Recomposed, what is left keeps one character per letter (Hangul
	// syllables decompose into jamo under NFKD, and are not marks).
	return norm.NFC.String(b.String())
}

// spelled returns how Fold writes r when r is one of the lower-case
// letters (Fold has case-folded already) that Unicode does not decompose
// into a base letter and a mark, as PostgreSQL's unaccent writes them.
func spelled(r rune) (string, bool) {
	switch r {
	case 'ł':
		return "l", true
	case 'ø':
		return "o", true
	case 'đ', 'ð':
		return "d", true
	case 'ħ':
		return "h", true
	case 'ŧ':
		return "t", true
	case 'ı':
		return "i", true
	case 'æ':
		return "ae", true
	case 'œ':
		return "oe", true
	case 'þ':
		return "th", true
	}
	return "", false
}

// User is the text the admin search matches for a user: the folded email
// and name, separated by a space.
func User(email, name string) string { return Fold(email + " " + name) }
