package components

import (
	"context"
	"html"
	"io"
	"strconv"

	"github.com/a-h/templ"
)

// TextField renders a label, an input, an optional hint and the field's
// error, tied together for screen readers (aria-invalid, aria-describedby).
// A password input gets a show/hide toggle button, hidden until app.js runs.
//
// It is written in Go rather than templ because it is the most rendered
// piece of the app (the security page alone has five): templ's generated code
// passes every dynamic value through fmt.Sprint and builds a map for the
// class list, which made this component three quarters of the account
// page's render time. Every value here is text or a double-quoted attribute
// value, escaped with html.EscapeString as templ does.
func TextField(f Field) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		o := out{w: asStringWriter(w)}
		id := html.EscapeString(f.id())
		if f.Error != "" {
			o.raw(`<div class="field field-invalid"><label for="`)
		} else {
			o.raw(`<div class="field"><label for="`)
		}
		o.raw(id)
		o.raw(`">`)
		o.text(f.Label)
		o.raw(`</label> `)
		if f.inputType() == "password" {
			o.raw(`<div class="password-input">`)
		}
		o.raw(`<input id="`)
		o.raw(id)
		o.raw(`"`)
		o.attr("name", f.Name)
		o.attr("type", f.inputType())
		o.attr("value", f.Value)
		if f.Autocomplete != "" {
			o.attr("autocomplete", f.Autocomplete)
		}
		if f.Required {
			o.raw(` required`)
		}
		if f.MaxLength > 0 {
			o.attr("maxlength", strconv.Itoa(f.MaxLength))
		}
		if f.Autofocus {
			o.raw(` autofocus`)
		}
		if f.Error != "" {
			o.raw(` aria-invalid="true"`)
		}
		if d := f.describedBy(); d != "" {
			o.attr("aria-describedby", d)
		}
		o.raw(`>`)
		if f.inputType() == "password" {
			// Shown by app.js only: without JavaScript there is no toggle.
			o.raw(`<button type="button" class="btn btn-ghost btn-sm password-toggle" aria-controls="`)
			o.raw(id)
			o.raw(`" aria-pressed="false" data-password-toggle hidden>Show<span class="sr-only"> password</span></button></div>`)
		}
		if f.inputType() == "password" && f.Autocomplete == "new-password" {
			// The strength meter: app.js shows it and fills it while the
			// password is typed; the server's check on submit decides.
			o.raw(`<div class="password-strength" data-password-strength="`)
			o.raw(id)
			o.raw(`" hidden><div class="strength-bar" aria-hidden="true"><span></span></div><p class="field-hint" id="`)
			o.raw(id)
			o.raw(`-strength" aria-live="polite"></p></div>`)
		}
		o.raw(` `)
		if f.Hint != "" {
			o.raw(`<p class="field-hint" id="`)
			o.raw(id)
			o.raw(`-hint">`)
			o.text(f.Hint)
			o.raw(`</p>`)
		}
		if f.Error != "" {
			o.raw(`<p class="field-error" id="`)
			o.raw(id)
			o.raw(`-error" data-testid="error-`)
			o.text(f.Name)
			o.raw(`">`)
			o.text(f.Error)
			o.raw(`</p>`)
		}
		o.raw(`</div>`)
		return o.err
	})
}

// out writes markup straight into the page's buffer, keeping the first
// error.
type out struct {
	w   io.StringWriter
	err error
}

// raw writes markup as it is.
func (o *out) raw(s string) {
	if o.err == nil {
		_, o.err = o.w.WriteString(s)
	}
}

// text writes s escaped, as text or a double-quoted attribute value.
func (o *out) text(s string) { o.raw(html.EscapeString(s)) }

// attr writes ` name="value"`, the value escaped.
func (o *out) attr(name, value string) {
	o.raw(` `)
	o.raw(name)
	o.raw(`="`)
	o.text(value)
	o.raw(`"`)
}

func asStringWriter(w io.Writer) io.StringWriter {
	if sw, ok := w.(io.StringWriter); ok {
		return sw
	}
	return stringWriter{w}
}

type stringWriter struct{ w io.Writer }

func (s stringWriter) WriteString(str string) (int, error) { return io.WriteString(s.w, str) }
