// Package passkeys holds the passkeys section of the security page: the
// list with rename and remove, and "Add a passkey" (static/js/passkeys.js).
package passkeys

import "time"

// Row is one passkey as the list shows it.
type Row struct {
	ID       string
	Name     string
	Created  time.Time
	LastUsed *time.Time
	// NameValue is the name typed into a rename that was refused.
	NameValue string
}

// SectionData is the passkeys section: the user's passkeys, whether one can
// be added, and a refused rename or removal (FailedID, with its error).
type SectionData struct {
	Available bool // the server can use passkeys (HEARTH_BASE_URL has a host name)
	Verified  bool // the address is proven: adding a passkey needs it
	Rows      []Row
	// Confirm is what adding a passkey asks for when the sign-in is not
	// recent: "password", "code" (an authenticator app), "signin" (neither:
	// sign in again), or "" (nothing: a recent sign-in).
	Confirm string

	FailedID    string // the passkey whose rename or removal was refused
	NameValue   string // the refused name
	RenameError string
	DeleteError string
}

// nameValue is what a row's rename field holds: the refused name again,
// or the passkey's name.
func (d SectionData) nameValue(r Row) string {
	if r.ID == d.FailedID && d.RenameError != "" {
		return r.NameValue
	}
	return r.Name
}

func (d SectionData) renameError(r Row) string {
	if r.ID == d.FailedID {
		return d.RenameError
	}
	return ""
}

func (d SectionData) deleteError(r Row) string {
	if r.ID == d.FailedID {
		return d.DeleteError
	}
	return ""
}
