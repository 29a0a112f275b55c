package models

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// userColumn is one column of users and the field of a User it fills.
type userColumn struct {
	name string
	dest any // a Scan(src any) error for database/sql's rows
}

// userColumns lists every column of users but UnloadedUserColumns, each
// with the field of u it fills: the one list code outside GORM reads a user
// through (UserColumns, ScanUser; the session store's query).
// internal/sessionstore's tests fail when User or the users table has a
// column this list does not name, or a field it does not fill.
func userColumns(u *User) []userColumn {
	return []userColumn{
		{"id", text{&u.ID}},
		{"email", text{&u.Email}},
		{"name", text{&u.Name}},
		{"password_hash", text{&u.PasswordHash}},
		{"password_unproven", flag{&u.PasswordUnproven}},
		{"role", text{&u.Role}},
		{"email_verified_at", maybeTime{&u.EmailVerifiedAt}},
		{"banned_at", maybeTime{&u.BannedAt}},
		{"last_sign_in_at", maybeTime{&u.LastSignInAt}},
		{"time_zone", text{&u.TimeZone}},
		{"avatar_version", text{&u.AvatarVersion}},
		{"created_at", utcTime{&u.CreatedAt}},
		{"updated_at", utcTime{&u.UpdatedAt}},
	}
}

// UnloadedUserColumns are the columns of users that User does not hold and
// the session store does not load: users.search_text, the admin search's
// folded text, derived from the email and name (setSearchText) and read by
// that search alone.
func UnloadedUserColumns() []string { return []string{"search_text"} }

// UserColumns is the select list of every column of users, in the order
// ScanUser reads them, each prefixed with alias and a dot when alias is set.
func UserColumns(alias string) string {
	cols := userColumns(&User{})
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
		if alias != "" {
			names[i] = alias + "." + c.name
		}
	}
	return strings.Join(names, ", ")
}

// ScanUser reads one row (a database/sql Row's or Rows' Scan) whose columns
// are before, then UserColumns. It returns nil for a row whose user id is
// NULL (a LEFT JOIN that found no user).
func ScanUser(scan func(dest ...any) error, before ...any) (*User, error) {
	u := &User{}
	cols := userColumns(u)
	dest := make([]any, 0, len(before)+len(cols))
	dest = append(dest, before...)
	for _, c := range cols {
		dest = append(dest, c.dest)
	}
	id := &nullText{p: &u.ID}
	dest[len(before)] = id // the id says whether there is a user at all
	if err := scan(dest...); err != nil {
		return nil, err
	}
	if !id.valid {
		return nil, nil
	}
	return u, nil
}

// Scanners for the values drivers hand back (modernc's SQLite, pgx). They
// leave the zero value for NULL (the user columns of a LEFT JOIN without a
// user) and keep times in UTC.
type (
	text     struct{ p *string }
	nullText struct {
		p     *string
		valid bool
	}
	flag      struct{ p *bool }
	utcTime   struct{ p *time.Time }
	maybeTime struct{ p **time.Time }
)

func (d text) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = ""
	case string:
		*d.p = v
	case []byte:
		*d.p = string(v)
	default:
		return fmt.Errorf("scan user: text column holds %T", src)
	}
	return nil
}

func (d *nullText) Scan(src any) error {
	d.valid = src != nil
	return text{d.p}.Scan(src)
}

func (d flag) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = false
	case bool:
		*d.p = v
	case int64:
		*d.p = v != 0
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("scan user: %w", err)
		}
		*d.p = b
	default:
		return fmt.Errorf("scan user: boolean column holds %T", src)
	}
	return nil
}

func (d utcTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = time.Time{}
	case time.Time:
		*d.p = v.UTC()
	default:
		return fmt.Errorf("scan user: time column holds %T", src)
	}
	return nil
}

func (d maybeTime) Scan(src any) error {
	var t time.Time
	if err := (utcTime{&t}).Scan(src); err != nil {
		return err
	}
	*d.p = nil
	if src != nil {
		*d.p = &t
	}
	return nil
}
