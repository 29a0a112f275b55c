package components

// Variant is a button's look: how strongly it asks to be pressed.
type Variant string

// The button variants; each is a btn-… class in app.css.
const (
	Primary   Variant = "primary"   // the page's main action (the default)
	Secondary Variant = "secondary" // an alternative next to a primary one
	Ghost     Variant = "ghost"     // a quiet action: no border, no fill
	Danger    Variant = "danger"    // destroys or ends something
)

// ButtonProps describes a button, or a link that looks like one (Href set).
type ButtonProps struct {
	Label   string
	Variant Variant // Primary when empty
	Small   bool    // btn-sm: in tables, toolbars and menus
	Block   bool    // the full width of its container
	// Type is the <button>'s type: "submit" when empty, "button" for one
	// that scripts or a dialog handle. Ignored for links.
	Type string
	// Name and Value are sent with the form when this button submits it.
	Name, Value string
	// Href makes it a link (<a class="btn">): for navigation, never for an
	// action that changes something.
	Href     string
	Disabled bool   // a disabled button; a disabled link is shown without its href
	TestID   string // data-testid, for tests
}

func (b ButtonProps) class() string {
	v := b.Variant
	if v == "" {
		v = Primary
	}
	c := "btn btn-" + string(v)
	if b.Small {
		c += " btn-sm"
	}
	if b.Block {
		c += " btn-block"
	}
	return c
}

func (b ButtonProps) buttonType() string {
	if b.Type == "" {
		return "submit"
	}
	return b.Type
}
