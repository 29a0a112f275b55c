// Package admin holds the admin panel's screens: dashboard, users, one user,
// audit log. They share Shell, the panel's frame and navigation.
package admin

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-app/hearth/models"
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
	Sessions   []models.SessionInfo
	Identities []models.Identity
	Tokens     []models.APIToken // personal access tokens
	Events     []models.AuditEvent
	People     map[string]*models.User // actors and targets of Events, by id
	IsSelf     bool                    // the admin looking is this user
	// CanImpersonate shows the Impersonate button: the handler's rule for
	// impersonation allows it.
	CanImpersonate bool
	FormError      string // why the last action was refused
	Ban            BanForm
	Delete         DeleteForm
}

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

// usersURL is the users list with q's filters and the given page.
func usersURL(q models.UserQuery, page int) string {
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
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/admin/users"
	}
	return "/admin/users?" + v.Encode()
}

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

// UserURL is the admin page of the user with id: the one way its address is
// built, for links here and for the handlers' redirects.
func UserURL(id string) string { return "/admin/users/" + url.PathEscape(id) }

func userActionURL(id, action string) string { return UserURL(id) + "/" + action }

func formatTime(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04") }

// optionalTime is formatTime, or none for no time.
func optionalTime(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return formatTime(*t)
}

func formatTimePtr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return formatTime(*t)
}

func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[0] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func pageSummary(page, pages int, total int64, noun string) string {
	return fmt.Sprintf("Page %d of %d · %s %s", page, pages, count(total), noun)
}

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
