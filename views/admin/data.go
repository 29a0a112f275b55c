// Package admin holds the admin panel's screens: dashboard, users, one user,
// audit log. They share Shell, the panel's frame and navigation.
package admin

import (
	"net/url"
	"strconv"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/components"
)

// DashboardPageData is what the dashboard shows.
type DashboardPageData struct {
	Stats *models.Dashboard
}

// UsersPageData is one page of the users list with its filters.
type UsersPageData struct {
	List models.UserList
}

// UserPageData is one user as an admin sees them, with the forms of the
// actions on them.
type UserPageData struct {
	User       *models.User
	Sessions   []SessionRow
	Identities []models.Identity
	Tokens     []models.APIToken // personal access tokens
	Passkeys   int64             // how many passkeys the user has
	Events     []models.AuditEvent
	People     map[string]*models.User // actors and targets of Events, by id
	IsSelf     bool                    // the admin looking is this user
	// CanImpersonate shows the Impersonate button: the handler's rule for
	// impersonation allows it.
	CanImpersonate bool
	FormError      string // why the last action was refused
	BanReason      string // why the user is banned, when they are and it was said
	Ban            BanForm
	Delete         DeleteForm
	// TwoFactor is the user's two-factor state.
	TwoFactor models.TwoFactorState
}

// SessionRow is a live session with its browser in words.
type SessionRow struct {
	models.SessionInfo
	Device string // "Firefox 128 on Linux"
}

// ConfirmPageData asks an admin to confirm a dangerous action before it is
// done: the page a browser without JavaScript gets (with it, a dialog asks
// the same on the user page). Confirming posts Fields again to Action, with
// confirmed=yes.
type ConfirmPageData struct {
	Confirmation
	Action string // the form's URL
	Fields url.Values
	Back   string // where Cancel goes
}

// ConfirmField is the field a confirmed form carries, and its value.
const (
	ConfirmField = "confirmed"
	ConfirmValue = "yes"
)

// BanForm is the ban form: an optional reason, kept in the audit log.
type BanForm struct {
	Reason string
	Error  string
}

// DeleteForm asks for the user's email address as confirmation.
type DeleteForm struct {
	Confirm string
	Error   string
}

// AuditPageData is one page of the audit log with its filters.
type AuditPageData struct {
	List   models.AuditList
	People map[string]*models.User
}

// Actions lists the audit actions for the filter.
func (AuditPageData) Actions() []string { return models.AuditActions }

// UsersURL is the users list with q's filters and the given page.
func UsersURL(q models.UserQuery, page int) string {
	v := url.Values{}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	if q.Role != "" {
		v.Set("role", q.Role)
	}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.Sort != models.SortCreated {
		v.Set("sort", q.Sort)
	}
	if q.PerPage != models.UsersPerPage && q.PerPage != 0 {
		v.Set("per_page", strconv.Itoa(q.PerPage))
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/admin/users"
	}
	return "/admin/users?" + v.Encode()
}

// AuditURL is the audit log with q's filters and the given page.
func AuditURL(q models.AuditQuery, page int) string { return auditURL("/admin/audit", q, page) }

// auditURL is the audit log (or its CSV export, at path) with q's filters
// and the given page.
func auditURL(path string, q models.AuditQuery, page int) string {
	v := url.Values{}
	if q.User != "" {
		v.Set("user", q.User)
	}
	if q.Action != "" {
		v.Set("action", q.Action)
	}
	if q.Org != "" {
		v.Set("org", q.Org)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// usersPager is the users list's Pagination.
func usersPager(l models.UserList) components.Pager {
	return components.Pager{Page: l.Query.Page, Pages: l.Pages(), Total: l.Total, Noun: "user",
		URL: func(n int) string { return UsersURL(l.Query, n) }}
}

// auditPager is the audit log's Pagination.
func auditPager(l models.AuditList) components.Pager {
	return components.Pager{Page: l.Query.Page, Pages: l.Pages(), Total: l.Total, Noun: "event",
		URL: func(n int) string { return AuditURL(l.Query, n) }}
}

// UserURL is the admin page of the user with id: the one way its address is
// built, for links here and for the handlers' redirects.
func UserURL(id string) string { return "/admin/users/" + url.PathEscape(id) }

func userActionURL(id, action string) string { return UserURL(id) + "/" + action }

// share is n as a whole percentage of total, with the counts.
func share(n, total int64) string {
	if total == 0 {
		return "0%"
	}
	return strconv.FormatInt(n*100/total, 10) + "% (" + components.Number(n) + ")"
}

func pageSizeOption(q models.UserQuery, n int) bool { return q.PerPage == n }

// shorten cuts s to n characters for a table cell.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// personLabel names the user with id, or says the account is gone.
func personLabel(people map[string]*models.User, id *string) string {
	if id == nil {
		return "—"
	}
	if u := people[*id]; u != nil {
		return u.Email
	}
	return "deleted user"
}

func roleOption(q models.UserQuery, v string) bool   { return q.Role == v }
func statusOption(q models.UserQuery, v string) bool { return q.Status == v }
func sortOption(q models.UserQuery, v string) bool   { return q.Sort == v }

func recoveryLeftText(n int) string {
	if n == 1 {
		return "1 recovery code left"
	}
	return strconv.Itoa(n) + " recovery codes left"
}

// Confirmation is the question asked before a dangerous admin action, in the
// same words by the dialog on the user page (with JavaScript) and by the
// confirm page (without). Deleting has its own: the typed email address.
type Confirmation struct {
	Title   string // "Ban mallory@example.com?"
	Message string // what follows
	Button  string // the confirming button's label
}

// Dialog is the text of the dialog: the question and what follows.
func (q Confirmation) Dialog() string { return q.Title + " " + q.Message }

// BanConfirmation asks before banning u.
func BanConfirmation(u *models.User) Confirmation {
	return Confirmation{"Ban " + u.Email + "?", "Every session of theirs ends at once and they can no longer sign in until unbanned.", "Ban user"}
}

// ResetTwoFactorConfirmation asks before turning off u's two-factor
// authentication.
func ResetTwoFactorConfirmation(u *models.User) Confirmation {
	return Confirmation{"Reset two-factor authentication of " + u.Email + "?", "Their authenticator app and recovery codes stop working: signing in asks for the password alone until they set it up again. They are told by mail.", "Reset two-factor"}
}

// RoleConfirmation asks before giving u the role to.
func RoleConfirmation(u *models.User, to string) Confirmation {
	if to == models.RoleAdmin {
		return Confirmation{"Make " + u.Email + " an admin?", "Admins see and change every account, other admins' too. Their current sessions end.", "Make admin"}
	}
	return Confirmation{"Make " + u.Email + " a member?", "They lose the admin area at once. Their current sessions end.", "Make member"}
}

// RevokeAllConfirmation asks before signing u out everywhere (self: an
// admin on their own page, who keeps this session).
func RevokeAllConfirmation(u *models.User, self bool) Confirmation {
	if self {
		return Confirmation{"Sign out all your other sessions?", "Every other browser and device signed in to your account is signed out at once; this one stays.", "Sign out"}
	}
	return Confirmation{"Sign " + u.Email + " out everywhere?", "Every browser and device signed in to this account is signed out at once.", "Sign out everywhere"}
}

// passkeysText says how many passkeys a user has.
func passkeysText(n int64) string {
	switch n {
	case 0:
		return "None"
	case 1:
		return "1 passkey"
	}
	return strconv.FormatInt(n, 10) + " passkeys"
}
