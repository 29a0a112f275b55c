package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/google/uuid"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/admin"
)

// signUpAdmin signs up through the form, then is made an admin (as the
// `hearth user set-role` command would). The client is signed in.
func (c *client) signUpAdmin(email string) *models.User {
	c.t.Helper()
	c.signUp(email, goodPassword)
	u, err := models.UserByEmail(c.t.Context(), c.app.DB, email)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, _, err := models.SetRole(c.t.Context(), c.app.DB, c.app.clock.Now(), models.AuditEvent{}, u.ID, models.RoleAdmin, ""); err != nil {
		c.t.Fatal(err)
	}
	u.Role = models.RoleAdmin
	// A role change ends the user's sessions: sign in again, as an admin.
	expectStatus(c.t, c.signIn(email, goodPassword), http.StatusSeeOther)
	return u
}

// signUpMember signs up through the form; the client is signed in.
func (c *client) signUpMember(email string) *models.User {
	c.t.Helper()
	c.signUp(email, goodPassword)
	u, err := models.UserByEmail(c.t.Context(), c.app.DB, email)
	if err != nil {
		c.t.Fatal(err)
	}
	return u
}

// insertUser writes a user straight into the database (no password, so no
// hashing cost): a target for admin actions.
func insertUser(t *testing.T, ta *testApp, email, role string) *models.User {
	t.Helper()
	now := ta.clock.Now()
	u := &models.User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Role: role, CreatedAt: now, UpdatedAt: now}
	if err := ta.DB.Write.Create(u).Error; err != nil {
		t.Fatal(err)
	}
	return u
}

// confirm answers a confirm page (res) as its button does, without
// JavaScript: it posts the page's form, the action's fields and confirmed=yes.
func (c *client) confirm(res *response) *response {
	c.t.Helper()
	expectStatus(c.t, res, http.StatusOK)
	form := res.Doc.Find("[data-testid=confirm-form]")
	if form.Length() != 1 {
		c.t.Fatalf("not a confirm page: %s", res.Doc.Find("main").Text())
	}
	data := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		data.Add(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	return c.post(form.AttrOr("action", ""), data)
}

// adminPost posts a form to an admin route, confirmed, as the user page's
// dialog sends it (TestDangerousAdminActionsAskFirst covers the asking).
func (c *client) adminPost(path string, form url.Values) *response {
	c.t.Helper()
	confirmed := url.Values{admin.ConfirmField: {admin.ConfirmValue}}
	for k, v := range form {
		confirmed[k] = v
	}
	return c.post(path, confirmed)
}

func userByID(t *testing.T, ta *testApp, id string) *models.User {
	t.Helper()
	u, err := models.UserByID(t.Context(), ta.DB, id)
	if err != nil {
		t.Fatalf("user %s: %v", id, err)
	}
	return u
}

// expectSignedOut checks that the client's next request is treated as
// signed out.
func (c *client) expectSignedOut() {
	c.t.Helper()
	expectRedirect(c.t, c.get("/account"), "/login?next=%2Faccount")
}

func (c *client) expectSignedIn() {
	c.t.Helper()
	expectStatus(c.t, c.get("/account"), http.StatusOK)
}

func auditCount(t *testing.T, ta *testApp, action, actorID, targetID string) int64 {
	t.Helper()
	return countRows(t, ta.DB, "SELECT count(*) FROM audit_events WHERE action = ? AND actor_id = ? AND target_id = ?", action, actorID, targetID)
}

type goquerySelection = goquery.Selection

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
	return n
}
