package components

import (
	"context"
	"html"
	"io"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// TextField renders a label, an input, an optional hint and the field's
// error, tied together for screen readers (aria-invalid, aria-describedby).
//
// It is written in Go rather than templ because it is the most rendered
// piece of the app (the account page alone has six): templ's generated code
// passes every dynamic value through fmt.Sprint and builds a map for the
// class list, which made this component three quarters of the account
// page's render time. Every value here is text or a double-quoted attribute
// value, escaped with html.EscapeString as templ does.
func TextField(f Field) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		var b strings.Builder
		b.Grow(256 + len(f.Value) + len(f.Label) + len(f.Hint) + len(f.Error))
		id := html.EscapeString(f.id())
		if f.Error != "" {
			b.WriteString(`<div class="field field-invalid"><label for="`)
		} else {
			b.WriteString(`<div class="field"><label for="`)
		}
		b.WriteString(id)
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(f.Label))
		b.WriteString(`</label> <input id="`)
		b.WriteString(id)
		b.WriteString(`"`)
		attr(&b, "name", f.Name)
		attr(&b, "type", f.inputType())
		attr(&b, "value", f.Value)
		if f.Autocomplete != "" {
			attr(&b, "autocomplete", f.Autocomplete)
		}
		if f.Required {
			b.WriteString(` required`)
		}
		if f.MaxLength > 0 {
			attr(&b, "maxlength", strconv.Itoa(f.MaxLength))
		}
		if f.Error != "" {
			b.WriteString(` aria-invalid="true"`)
		}
		if d := f.describedBy(); d != "" {
			attr(&b, "aria-describedby", d)
		}
		b.WriteString(`> `)
		if f.Hint != "" {
			b.WriteString(`<p class="field-hint" id="`)
			b.WriteString(id)
			b.WriteString(`-hint">`)
			b.WriteString(html.EscapeString(f.Hint))
			b.WriteString(`</p>`)
		}
		if f.Error != "" {
			b.WriteString(`<p class="field-error" id="`)
			b.WriteString(id)
			b.WriteString(`-error" data-testid="error-`)
			b.WriteString(html.EscapeString(f.Name))
			b.WriteString(`">`)
			b.WriteString(html.EscapeString(f.Error))
			b.WriteString(`</p>`)
		}
		b.WriteString(`</div>`)
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// attr writes ` name="value"`, the value escaped.
func attr(b *strings.Builder, name, value string) {
	b.WriteString(` `)
	b.WriteString(name)
	b.WriteString(`="`)
	b.WriteString(html.EscapeString(value))
	b.WriteString(`"`)
}
