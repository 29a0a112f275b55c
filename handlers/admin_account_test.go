package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/hearth-app/hearth/models"
)

func TestAdminSendsAPasswordResetLink(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	member := ta.client(t)
	m := member.signUpMember("forgot@example.com")

	expectRedirect(t, admin.adminPost("/admin/users/"+m.ID+"/send-reset", nil), "/admin/users/"+m.ID)
	link := linkIn(t, lastMail(t, ta, "forgot@example.com", models.TokenResetPassword))
	expectRedirect(t, ta.client(t).post("/reset-password", url.Values{"token": {tokenOf(t, link)}, "password": {"reset by the admin's link"}}), "/login")
	member.expectSignedOut()
	if auditCount(t, ta, models.AuditPasswordResetSent, userID(t, ta, "boss@example.com"), m.ID) != 1 {
		t.Error("the admin's reset mail is not audited")
	}
	expectStatus(t, member.adminPost("/admin/users/"+m.ID+"/send-reset", nil), http.StatusSeeOther) // member: sent to sign-in
}

func TestAdminUserPageListsIdentities(t *testing.T) {
	t.Parallel()
	m := startOIDC(t)
	ta := newTestApp(t, withOIDC(m))
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	m.QueueUser(&mockoidc.MockUser{Subject: "s-1", Email: "social@example.com", EmailVerified: true})
	expectRedirect(t, ta.client(t).socialSignIn("oidc"), "/account")
	page := admin.get("/admin/users/" + userID(t, ta, "social@example.com"))
	if got := page.Doc.Find("[data-testid=user-identity]").Text(); !strings.Contains(got, "oidc: social@example.com") {
		t.Errorf("identities on the admin user page: %q", got)
	}
}

func TestImpersonatingAdminCannotTakeTheAccountOver(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	admin := ta.client(t)
	admin.signUpAdmin("boss@example.com")
	member := ta.client(t)
	m := member.signUpMember("member@example.com")
	expectStatus(t, admin.adminPost("/admin/users/"+m.ID+"/impersonate", nil), http.StatusSeeOther)

	for path, form := range map[string]url.Values{
		"/account/password": {"current_password": {goodPassword}, "new_password": {"taken over now"}},
		"/account/email":    {"email": {"boss-owned@example.com"}, "current_password": {goodPassword}},
		"/account/delete":   {"current_password": {goodPassword}},
	} {
		res := admin.post(path, form)
		expectStatus(t, res, http.StatusForbidden)
		if !strings.Contains(res.Doc.Find("main").Text(), "stop impersonating") {
			t.Errorf("%s: no explanation", path)
		}
	}
	member.expectSignedIn()
	expectRedirect(t, ta.client(t).signIn("member@example.com", goodPassword), "/account")
}

func userID(t *testing.T, ta *testApp, email string) string {
	t.Helper()
	u, err := models.UserByEmail(t.Context(), ta.DB, email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
