// Package layout holds the page frame shared by every screen.
package layout

import "github.com/hearth-app/hearth/models"

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
