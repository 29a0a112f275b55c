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
// with the exact time in UTC on hover and for machines (<time datetime>).
func (p Page) Ago(t time.Time) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<time datetime="%s" title="%s">%s</time>`,
			t.UTC().Format(time.RFC3339), t.UTC().Format("2 Jan 2006 15:04 UTC"), html.EscapeString(Relative(p.Now, t)))
		return err
	})
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
// date.
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
		if t.UTC().Year() == now.UTC().Year() {
			return t.UTC().Format("2 Jan")
		}
		return t.UTC().Format("2 Jan 2006")
	}
	if n != 1 {
		unit += "s"
	}
	if future {
		return fmt.Sprintf("in %d %s", n, unit)
	}
	return fmt.Sprintf("%d %s ago", n, unit)
}
