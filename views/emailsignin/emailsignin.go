// Package emailsignin holds the pages of signing in with a mailed code or
// link: the page asking for the code, and the page the link opens.
package emailsignin

// CodeForm is the page asking for the mailed code.
type CodeForm struct {
	Email string // the address the code was sent to, as typed
	Error string // about the code: wrong, expired, too many tries
	// Ended: no code can work any more in this browser; the page offers a
	// new one instead of the field.
	Ended bool
}

// LinkPage is what the link's page shows.
type LinkPage struct {
	Token string
	Email string
	// SameBrowser: the link is opened in the browser that asked for it.
	SameBrowser bool
	Invalid     bool // unknown, used, expired or ended
}
