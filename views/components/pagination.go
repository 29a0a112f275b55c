package components

import (
	"strconv"
	"strings"
)

// Pager is where one page sits in a list, for Pagination: the page shown,
// how many pages and items there are, what an item is called and how to
// link to another page.
type Pager struct {
	Page  int   // the page asked for, from 1 (a page past the end reads as the last)
	Pages int   // how many pages the list has; fewer than 1 counts as 1
	Total int64 // how many items the whole list has
	// Noun names one item ("user"); Plural names several, Noun + "s" when
	// empty ("organization" → "organizations", set it for "entries").
	Noun, Plural string
	// URL is the address of page n (1 ≤ n ≤ Pages).
	URL func(n int) string
}

// pages is p.Pages, at least 1.
func (p Pager) pages() int { return max(p.Pages, 1) }

// page is p.Page, at least 1.
func (p Pager) page() int { return max(p.Page, 1) }

// Summary says where the page is: "Page 2 of 41 · 2,001 users". The page
// number is never past the last page, and one item is "1 user".
func (p Pager) Summary() string {
	return "Page " + strconv.Itoa(min(p.page(), p.pages())) + " of " + strconv.Itoa(p.pages()) + " · " + Counted(p.Total, p.Noun, p.Plural)
}

// PrevURL is the previous page's address, "" on the first page. From a
// page past the end it is the last page, the nearest one with items.
func (p Pager) PrevURL() string {
	if p.page() <= 1 || p.URL == nil {
		return ""
	}
	return p.URL(min(p.page()-1, p.pages()))
}

// NextURL is the next page's address, "" on the last page (or past it).
func (p Pager) NextURL() string {
	if p.page() >= p.pages() || p.URL == nil {
		return ""
	}
	return p.URL(p.page() + 1)
}

// Counted is n and the noun for it: one when n is 1, many otherwise (one +
// "s" when many is ""): Counted(1, "user", "") = "1 user",
// Counted(2001, "user", "") = "2,001 users", Counted(0, "entry", "entries")
// = "0 entries".
func Counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	if many == "" {
		many = one + "s"
	}
	return Number(n) + " " + many
}

// Number is n with thousands separated by commas: "2,001".
func Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	digits := strings.TrimPrefix(s, "-")
	var b strings.Builder
	if len(digits) < len(s) {
		b.WriteByte('-')
	}
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
