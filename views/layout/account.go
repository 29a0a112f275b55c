package layout

import "github.com/a-h/templ"

// AccountSection is one entry of the account area's menu: a page that
// wraps its content in AccountShell, or a file to download.
type AccountSection struct {
	Href  string // the page's path; AccountShell's current names it
	Label string
	Name  string // the link's data-testid is "account-nav-" + Name
	// Download is a file, not a page (/account/export): a plain link with
	// the download attribute, listed after the pages and never current.
	Download bool
}

// AccountSections are the account area's sections, in the menu's order:
// the side menu of AccountShell and the header's account menu both list
// them. A product's own account page (/account/billing) adds its entry
// here, and its view wraps its content in AccountShell(p, its Href).
func AccountSections() []AccountSection {
	sections := []AccountSection{
		{Href: "/account", Label: "Profile", Name: "profile"},
		{Href: "/account/security", Label: "Security", Name: "security"},
		{Href: "/account/sessions", Label: "Sessions", Name: "sessions"},
		{Href: "/orgs", Label: "Organizations", Name: "orgs"},
		{Href: "/account/tokens", Label: "API tokens", Name: "tokens"},
		{Href: "/account/export", Label: "Download my data", Name: "export", Download: true},
	}
	return sections
}

// accountPages are the sections that are pages, then those that are files.
func accountPages(files bool) []AccountSection {
	var out []AccountSection
	for _, s := range AccountSections() {
		if s.Download == files {
			out = append(out, s)
		}
	}
	return out
}

// currentPage marks the menu's link to the page being shown.
func currentPage(on bool) templ.Attributes {
	if on {
		return templ.Attributes{"aria-current": "page"}
	}
	return nil
}
