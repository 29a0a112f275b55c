package models

import (
	"strings"
	"unicode/utf8"
)

// The longest request strings kept in sessions and audit rows, in bytes.
const (
	MaxUserAgentLen = 512
	MaxIPLen        = 64 // an IPv6 address with a zone fits
)

// StoredText is s made fit to store: valid UTF-8 (PostgreSQL refuses
// anything else in a text column, and the insert fails), without NUL bytes,
// and at most max bytes, cut on a character boundary. Every string a request
// brings (User-Agent, address, email of a failed sign-in) goes through it
// before it reaches a session or an audit row.
func StoredText(s string, max int) string {
	s = cutText(s, max) // bounds the work on a huge header
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	}
	return cutText(s, max)
}

// cutText cuts s to at most max bytes, not inside a character.
func cutText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for back := 0; i > 0 && back < utf8.UTFMax-1 && !utf8.RuneStart(s[i]); back++ {
		i--
	}
	return s[:i]
}
