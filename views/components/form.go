// Package components holds the small pieces pages are built from.
package components

// Field describes one labelled form input.
type Field struct {
	ID           string // "field-" + Name when empty; set it when a page has two fields of one name
	Name         string
	Label        string
	Type         string // "text" when empty
	Value        string
	Error        string
	Hint         string
	Autocomplete string
	Required     bool
	MaxLength    int
	Autofocus    bool // the form's first invalid field: the page opens on it, focused
}

func (f Field) inputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

func (f Field) id() string { return fieldID(f.ID, f.Name) }

func (f Field) describedBy() string { return describedBy(f.id(), f.Error, f.Hint) }

// FirstInvalid reports whether name is the first field, in the form's
// order, that has an error: that field gets Autofocus, so a failed form far
// down its page opens scrolled to it, focused.
func FirstInvalid(errs map[string]string, name string, order ...string) bool {
	for _, f := range order {
		if errs[f] != "" {
			return f == name
		}
	}
	return false
}
