package models

import (
	"context"
	"strings"
	"time"
	_ "time/tzdata" // the zone database inside the binary: a container without /usr/share/zoneinfo knows every zone too
	"unicode/utf8"
)

// maxTimeZoneLen bounds a zone name; the longest IANA name is 32 bytes.
const maxTimeZoneLen = 64

// LoadTimeZone returns the IANA time zone named name (Europe/Paris), or
// ErrTimeZoneInvalid. "Local" is refused: it would be the server's zone,
// not the person's; "UTC" is a zone like any other.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" || len(name) > maxTimeZoneLen || !utf8.ValidString(name) || name == "Local" ||
		strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return nil, ErrTimeZoneInvalid
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, ErrTimeZoneInvalid
	}
	return loc, nil
}

// SetTimeZone stores the zone u chose for the pages' times ("" for the
// browser's); a name that is not a zone is an *InvalidInput.
func SetTimeZone(ctx context.Context, db *DB, now time.Time, by AuditEvent, u *User, name string) error {
	name = strings.TrimSpace(name)
	if name != "" {
		if _, err := LoadTimeZone(name); err != nil {
			return &InvalidInput{TimeZone: err}
		}
	}
	by.Detail = "time zone"
	return updateOwnProfile(ctx, db, by, u, map[string]any{"time_zone": name, "updated_at": now.UTC()}, nil, func() { u.TimeZone = name })
}
