package config

// ProductName is the product's name as people see it: in page titles and
// the header, in mails and their default sender, in messages. It is the one
// place it is written; `make rename NAME=…` rewrites it.
const ProductName = "Hearth"

// CookiePrefix begins the names of the app's cookies: hearth_session,
// hearth_flash, hearth_device, hearth_theme (with __Host- before them in
// production). `make rename NAME=…` rewrites it from the new name.
const CookiePrefix = "hearth"

// The product's colours, for what the stylesheet cannot reach: the mails
// (mail clients take inline styles only) and the logo. They are the light
// palette of static/css/app.css (--c-primary and the rest) and of
// static/img/favicon.svg; TestBrandColoursMatchTheStylesheet keeps them
// equal, so a rebrand changes them here and there together.
const (
	BrandColor      = "#c2410c" // --c-primary: buttons, links, the logo
	BrandColorText  = "#ffffff" // --c-primary-text: text on BrandColor
	BrandInk        = "#1c1917" // --c-text
	BrandMuted      = "#57534e" // --c-muted
	BrandBackground = "#fafaf9" // --c-bg
	BrandSurface    = "#ffffff" // --c-surface: the mail's card
	BrandBorder     = "#d6d3d1" // --c-border
)
