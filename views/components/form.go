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

func (f Field) id() string {
	if f.ID != "" {
		return f.ID
	}
	return "field-" + f.Name
}

func (f Field) describedBy() string {
	switch {
	case f.Error != "" && f.Hint != "":
		return f.id() + "-error " + f.id() + "-hint"
	case f.Error != "":
		return f.id() + "-error"
	case f.Hint != "":
		return f.id() + "-hint"
	}
	return ""
}

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
