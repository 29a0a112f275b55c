// Package layout holds the page frame shared by every screen.
package layout

import (
	"time"

	"github.com/hearth-app/hearth/models"
)

// Page is what every screen's frame needs: its title, who is signed in, and
// a flash message carried over from the previous request.
type Page struct {
	Title string
	User  *models.User // nil when signed out
	Flash Flash
	// Path is the current path, to mark the active navigation link.
	Path string
	// Impersonator is the admin browsing as User, or nil. Every page then
	// shows a banner with a way back to the admin's own session.
	Impersonator *models.User
	// Theme is this browser's colour theme (a cookie); Here is where the
	// theme switch comes back to (the page, when it was a GET).
	Theme Theme
	Here  string
	// Now is the time the page is rendered at, which relative times
	// ("3 days ago", see Ago) count from.
	Now time.Time
	// Location is the time zone times are shown in (the user's choice, or
	// their browser's; UTC until the browser has said); BrowserTimeZone is
	// the browser's as last reported, which app.js compares with its own.
	Location        *time.Location
	BrowserTimeZone string
	// Nav is the product's own header links (handlers.App.Nav).
	Nav []NavLink
	// Orgs are the signed-in user's first organizations, for the nav's
	// switcher; ActiveOrg is the one the session remembers, or nil.
	Orgs      []OrgLink
	ActiveOrg *OrgLink
}

// Theme is a colour theme: the system's, or light or dark whatever it says.
type Theme string

// The themes the switch offers.
const (
	ThemeSystem Theme = "system"
	ThemeLight  Theme = "light"
	ThemeDark   Theme = "dark"
)

// Themes lists the choices in the order the switch shows them.
var Themes = []Theme{ThemeSystem, ThemeLight, ThemeDark}

// Valid reports whether t is one of the themes.
func (t Theme) Valid() bool { return t == ThemeSystem || t == ThemeLight || t == ThemeDark }

// Label is the switch's text for t.
func (t Theme) Label() string {
	switch t {
	case ThemeLight:
		return "Light"
	case ThemeDark:
		return "Dark"
	}
	return "System"
}

// ColorScheme is the color-scheme meta value for t: the browser's own
// controls and scrollbars follow it.
func (t Theme) ColorScheme() string {
	switch t {
	case ThemeLight:
		return "light"
	case ThemeDark:
		return "dark"
	}
	return "light dark"
}

// theme is p's theme, system when unset.
func (p Page) theme() Theme {
	if p.Theme.Valid() {
		return p.Theme
	}
	return ThemeSystem
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Level   FlashLevel
	Message string
}

// FlashLevel is the kind of a flash message, which sets its style.
type FlashLevel string

// The flash levels; each has its alert-… class in app.css.
const (
	FlashSuccess FlashLevel = "success"
	FlashInfo    FlashLevel = "info"
	FlashError   FlashLevel = "error"
)

// NavLink is one of the product's own links in the header (handlers.App.Nav):
// shown to everyone, or only to signed-in users.
type NavLink struct {
	Href, Label string
	SignedIn    bool // only for signed-in users
}

// navLink is a link of a menu.
type navLink struct{ href, label string }

// accountLinks are the account's pages after "Account", in the header's
// account menu: the account area's sections (AccountSections) but the
// profile, which is "Account", and the downloads.
func accountLinks() []navLink {
	var links []navLink
	for _, s := range accountPages(false) {
		if s.Href != "/account" {
			links = append(links, navLink{s.Href, s.Label})
		}
	}
	return links
}
