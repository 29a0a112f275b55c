package layout

import (
	"context"
	"fmt"
	"html"
	"io"
	"time"

	"github.com/a-h/templ"
)

// Ago shows t relative to the page's time ("3 hours ago", "in 5 days"),
// with the exact time in the reader's zone on hover and for machines
// (<time datetime>).
func (p Page) Ago(t time.Time) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<time datetime="%s" title="%s">%s</time>`,
			t.UTC().Format(time.RFC3339), html.EscapeString(p.ExactText(t)), html.EscapeString(Relative(p.Now, t.In(p.location()))))
		return err
	})
}

// Exact shows t as a date and time in the reader's zone, named:
// "3 Dec 2026 14:05 CET".
func (p Page) Exact(t time.Time) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<time datetime="%s">%s</time>`, t.UTC().Format(time.RFC3339), html.EscapeString(p.ExactText(t)))
		return err
	})
}

// ExactText is t in the reader's zone, as text.
func (p Page) ExactText(t time.Time) string {
	return t.In(p.location()).Format("2 Jan 2006 15:04 MST")
}

// location is the reader's zone, UTC when unknown.
func (p Page) location() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// ExactOr is Exact, or the muted text none when there is no time.
func (p Page) ExactOr(t *time.Time, none string) templ.Component {
	if t == nil {
		return templ.Raw(`<span class="muted">` + html.EscapeString(none) + `</span>`)
	}
	return p.Exact(*t)
}

// Day shows the date of t in the reader's zone ("3 Dec 2026"), the exact
// time on hover.
func (p Page) Day(t time.Time) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<time datetime="%s" title="%s">%s</time>`,
			t.UTC().Format(time.RFC3339), html.EscapeString(p.ExactText(t)), html.EscapeString(p.DayText(t)))
		return err
	})
}

// DayText is the date of t in the reader's zone, as text: "3 Dec 2026".
func (p Page) DayText(t time.Time) string {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2 Jan 2006")
}

// AgoOr is Ago, or the text none when there is no time.
func (p Page) AgoOr(t *time.Time, none string) templ.Component {
	if t == nil {
		return templ.Raw(html.EscapeString(none))
	}
	return p.Ago(*t)
}

// Relative says when t is, seen from now, in the words a person would use:
// "just now", "5 minutes ago", "yesterday", "in 3 days"; past a month, the
// date in t's zone.
func Relative(now, t time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var n int
	var unit string
	switch {
	case d < time.Minute:
		if future {
			return "in a moment"
		}
		return "just now"
	case d < time.Hour:
		n, unit = int(d/time.Minute), "minute"
	case d < 24*time.Hour:
		n, unit = int(d/time.Hour), "hour"
	case d < 48*time.Hour:
		if future {
			return "tomorrow"
		}
		return "yesterday"
	case d < 30*24*time.Hour:
		n, unit = int(d/(24*time.Hour)), "day"
	default:
		if t.Year() == now.In(t.Location()).Year() {
			return t.Format("2 Jan")
		}
		return t.Format("2 Jan 2006")
	}
	if n != 1 {
		unit += "s"
	}
	if future {
		return fmt.Sprintf("in %d %s", n, unit)
	}
	return fmt.Sprintf("%d %s ago", n, unit)
}
