package components

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestTextFieldEscapesAndWiresErrors pins the field's markup: every value
// escaped, the error and hint tied to the input for screen readers.
func TestTextFieldEscapesAndWiresErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f    Field
		want string
	}{
		{Field{Name: "name", Label: "Name", Value: `Ada <"&'>`, Autocomplete: "name", MaxLength: 100},
			`<div class="field"><label for="field-name">Name</label> <input id="field-name" name="name" type="text" value="Ada &lt;&#34;&amp;&#39;&gt;" autocomplete="name" maxlength="100"> </div>`},
		{Field{ID: "x", Name: "email", Label: "E&mail", Type: "email", Error: "Bad <b>", Required: true},
			`<div class="field field-invalid"><label for="x">E&amp;mail</label> <input id="x" name="email" type="email" value="" required aria-invalid="true" aria-describedby="x-error"> <p class="field-error" id="x-error" data-testid="error-email">Bad &lt;b&gt;</p></div>`},
		{Field{Name: "new_password", Label: "New", Type: "password", Hint: "At least 8 <chars>.", Error: "too short", Required: true, MaxLength: 128},
			`<div class="field field-invalid"><label for="field-new_password">New</label> <div class="password-input"><input id="field-new_password" name="new_password" type="password" value="" required maxlength="128" aria-invalid="true" aria-describedby="field-new_password-error field-new_password-hint"><button type="button" class="btn btn-ghost btn-sm password-toggle" aria-controls="field-new_password" aria-pressed="false" data-password-toggle hidden>Show<span class="sr-only"> password</span></button></div> <p class="field-hint" id="field-new_password-hint">At least 8 &lt;chars&gt;.</p><p class="field-error" id="field-new_password-error" data-testid="error-new_password">too short</p></div>`},
		{Field{ID: `a"b`, Name: `n"`, Label: "P", Hint: "h"},
			`<div class="field"><label for="a&#34;b">P</label> <input id="a&#34;b" name="n&#34;" type="text" value="" aria-describedby="a&#34;b-hint"> <p class="field-hint" id="a&#34;b-hint">h</p></div>`},
	}
	for _, c := range cases {
		var b strings.Builder
		if err := TextField(c.f).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("TextField(%+v)\n got %s\nwant %s", c.f, b.String(), c.want)
		}
		var plain strings.Builder // through a writer without WriteString
		if err := TextField(c.f).Render(context.Background(), writerOnly{&plain}); err != nil || plain.String() != c.want {
			t.Errorf("TextField(%+v) into a plain io.Writer: %q, %v", c.f, plain.String(), err)
		}
	}
}

type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }
