package components

import "strconv"

// Option is one choice of a Select or a RadioGroup.
type Option struct {
	Value, Label string
	Disabled     bool
}

// SelectField describes a labelled drop-down list (Select). Like Field,
// its id is "field-" + Name unless ID is set.
type SelectField struct {
	ID, Name, Label string
	Value           string // the chosen option's value
	Options         []Option
	Hint, Error     string
	Required        bool
	Disabled        bool
	Autofocus       bool // the form's first invalid field
}

// CheckboxField describes one labelled checkbox (Checkbox).
type CheckboxField struct {
	ID, Name, Label string
	Value           string // sent when ticked; the browser sends "on" when empty
	Checked         bool
	Hint, Error     string
	Required        bool // it must be ticked (terms of service)
	Disabled        bool
	Autofocus       bool
}

// RadioGroupField describes a set of radio buttons under one label
// (RadioGroup); ID is the group's, each button's is ID + "-" + its index.
type RadioGroupField struct {
	ID, Name, Label string
	Value           string // the chosen option's value; none is chosen when it matches none
	Options         []Option
	Hint, Error     string
	Required        bool
	Disabled        bool
}

func (f SelectField) id() string     { return fieldID(f.ID, f.Name) }
func (f CheckboxField) id() string   { return fieldID(f.ID, f.Name) }
func (f RadioGroupField) id() string { return fieldID(f.ID, f.Name) }

func (f RadioGroupField) optionID(i int) string { return f.id() + "-" + strconv.Itoa(i) }

// fieldID is a field's id: the one given, or "field-" + its name.
func fieldID(id, name string) string {
	if id != "" {
		return id
	}
	return "field-" + name
}

// describedBy lists the ids of a field's error and hint, the error first
// (it is what a screen reader should say first), "" for neither.
func describedBy(id, err, hint string) string {
	switch {
	case err != "" && hint != "":
		return id + "-error " + id + "-hint"
	case err != "":
		return id + "-error"
	case hint != "":
		return id + "-hint"
	}
	return ""
}

// fieldClass is a field's wrapper class, marked invalid when it has an error.
func fieldClass(base, err string) string {
	if err != "" {
		return base + " field-invalid"
	}
	return base
}
