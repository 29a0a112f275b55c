package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-app/hearth/views/layout"
)

// currentSection is the href of the account menu's entry marked as the
// page shown (aria-current="page"), or "" when none or several are.
func currentSection(res *response) string {
	cur := res.Doc.Find("[data-testid=account-nav] a[aria-current=page]")
	if cur.Length() != 1 {
		return ""
	}
	return cur.AttrOr("href", "")
}

// TestEveryAccountSectionShowsTheMenu: each page of layout.AccountSections
// renders inside the account shell, its menu listing every section in
// order with that page, and only it, marked; the download entry is a
// plain link to a file. The header's account menu lists the same pages.
func TestEveryAccountSectionShowsTheMenu(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("menu@example.com", goodPassword)

	sections := layout.AccountSections()
	var want []string
	for _, s := range sections {
		want = append(want, s.Href)
	}
	for _, s := range sections {
		if s.Download {
			res := c.get(s.Href)
			expectStatus(t, res, http.StatusOK)
			if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
				t.Errorf("%s: Content-Disposition %q, want an attachment", s.Href, cd)
			}
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			res := c.get(s.Href)
			expectStatus(t, res, http.StatusOK)
			nav := res.Doc.Find("[data-testid=account-shell] nav[data-testid=account-nav][aria-label=Account]")
			if nav.Length() != 1 {
				t.Fatalf("%s has no account menu", s.Href)
			}
			var got []string
			nav.Find("a").Each(func(_ int, a *goquery.Selection) { got = append(got, a.AttrOr("href", "")) })
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("the menu links %v, want %v", got, want)
			}
			if cur := currentSection(res); cur != s.Href {
				t.Errorf("the menu marks %q as current, want %q", cur, s.Href)
			}
			if l := nav.Find("a[data-testid=account-nav-" + s.Name + "]"); strings.TrimSpace(l.Text()) != s.Label {
				t.Errorf("the entry reads %q, want %q", l.Text(), s.Label)
			}
			for _, f := range sections {
				if f.Download && nav.Find("a[href='"+f.Href+"'][download]").Length() != 1 {
					t.Errorf("%s is not a download link", f.Href)
				}
			}
			for _, p := range sections {
				if !p.Download && p.Href != "/account" && res.Doc.Find("[data-testid=account-menu] a[href='"+p.Href+"']").Length() != 1 {
					t.Errorf("the header's account menu does not link %s", p.Href)
				}
			}
		})
	}
}

// TestProfileAndSecurityHoldTheirForms: /account keeps the profile (name,
// time zone, email, connected accounts) and no link line; the password and
// delete forms are on /account/security, with their field names.
func TestProfileAndSecurityHoldTheirForms(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("split@example.com", goodPassword)

	acc := c.get("/account")
	expectStatus(t, acc, http.StatusOK)
	for _, sel := range []string{"form[action='/account/profile'] input[name=name]", "form[action='/account/time-zone'] input[name=time_zone]",
		"form[action='/account/email'] input[name=email]", "form[action='/account/email'] input[name=current_password]"} {
		if acc.Doc.Find(sel).Length() != 1 {
			t.Errorf("the account page lacks %s", sel)
		}
	}
	for _, sel := range []string{"form[action='/account/password']", "form[action='/account/delete']", "form[action='/account/password/set']",
		"[data-testid=account-sessions]", "main a[href='/account/export']:not([data-testid=account-nav-export])", "[data-testid=account-role]"} {
		if acc.Doc.Find(sel).Length() != 0 {
			t.Errorf("the account page still has %s", sel)
		}
	}

	sec := c.get("/account/security")
	expectStatus(t, sec, http.StatusOK)
	for _, sel := range []string{"#password form[action='/account/password'] input[name=current_password]", "#password form[action='/account/password'] input[name=new_password]",
		"#delete.danger-zone form[action='/account/delete'] input[name=current_password]"} {
		if sec.Doc.Find(sel).Length() != 1 {
			t.Errorf("the security page lacks %s", sel)
		}
	}
	if sec.Doc.Find("input[autofocus]").Length() != 0 {
		t.Error("the security page without errors autofocuses a field")
	}

	// A changed password lands back on the security page.
	res := c.submit("/account/security", "form[action='/account/password']", url.Values{"current_password": {goodPassword}, "new_password": {"a different passphrase"}})
	expectRedirect(t, res, "/account/security")
	if !strings.Contains(c.get("/account/security").Doc.Find("[data-testid=flash]").Text(), "password was changed") {
		t.Error("no word that the password was changed")
	}
	expectRedirect(t, ta.client(t).signIn("split@example.com", "a different passphrase"), "/account")
}

// TestWrongPasswordOnTheSecurityPageStaysThere: a wrong current password
// for the password change or the deletion renders /account/security again
// (422), Security marked in the menu, the error in the failed form's
// section and its field focused, and changes nothing in the database.
func TestWrongPasswordOnTheSecurityPageStaysThere(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("stay@example.com", goodPassword)
	hashOf := func() string {
		var h string
		if err := ta.DB.Read.Raw("SELECT password_hash FROM users WHERE email = ?", "stay@example.com").Scan(&h).Error; err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := hashOf()

	for _, tc := range []struct {
		name, form, section, focused string
		values                       url.Values
	}{
		{"change password", "form[action='/account/password']", "password", "password-current-password",
			url.Values{"current_password": {"not my password"}, "new_password": {"a fine new passphrase"}}},
		{"delete account", "form[action='/account/delete']", "delete", "delete-current-password",
			url.Values{"current_password": {"not my password"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.submit("/account/security", tc.form, tc.values)
			expectStatus(t, res, http.StatusUnprocessableEntity)
			if res.Doc.Find("[data-testid=security]").Length() != 1 || currentSection(res) != "/account/security" {
				t.Fatalf("not the security page (menu marks %q)", currentSection(res))
			}
			if got := res.Doc.Find("#" + tc.section + " [data-testid=error-current_password]").Text(); !strings.Contains(got, "not your current password") {
				t.Errorf("error in #%s: %q", tc.section, got)
			}
			auto := res.Doc.Find("input[autofocus]")
			if auto.Length() != 1 || auto.AttrOr("id", "") != tc.focused || res.Doc.Find("#"+tc.section+" input[autofocus]").Length() != 1 {
				t.Errorf("autofocus on %d inputs (#%s), want #%s in #%s", auto.Length(), auto.AttrOr("id", ""), tc.focused, tc.section)
			}
			if res.Doc.Find("#"+tc.section+" form").Length() == 0 || res.Doc.Find(".field-error").Length() != 1 {
				t.Errorf("%d errors on the page, want 1", res.Doc.Find(".field-error").Length())
			}
		})
	}
	if hashOf() != before {
		t.Error("a wrong current password changed the password")
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = ?", "stay@example.com"); n != 1 {
		t.Error("a wrong current password deleted the account")
	}
	c.expectSignedIn()
}

// TestPasswordlessDeleteRefusalStaysOnTheSecurityPage: an account without
// a password confirms deletion with a typed DELETE; anything else renders
// the security page again, the field focused in the danger zone.
func TestPasswordlessDeleteRefusalStaysOnTheSecurityPage(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("nopass@example.com", goodPassword)
	if err := ta.DB.Write.Exec("UPDATE users SET password_hash = '' WHERE email = ?", "nopass@example.com").Error; err != nil {
		t.Fatal(err)
	}
	_ = ta.Store.Sync(t.Context())
	sec := c.get("/account/security")
	if sec.Doc.Find("#delete form[action='/account/delete'] input[name=confirm]").Length() != 1 || sec.Doc.Find("form[action='/account/password']").Length() != 0 {
		t.Fatal("the security page of an account without a password does not ask for DELETE, or offers a password change")
	}
	res := c.submit("/account/security", "form[action='/account/delete']", url.Values{"confirm": {"delete"}})
	expectStatus(t, res, http.StatusUnprocessableEntity)
	if currentSection(res) != "/account/security" || res.Doc.Find("#delete #delete-confirm[autofocus]").Length() != 1 {
		t.Error("the refusal is not the security page with the confirmation focused")
	}
	if !strings.Contains(res.Doc.Find("#delete [data-testid=error-confirm]").Text(), "DELETE") {
		t.Errorf("error: %q", res.Doc.Find("#delete .field-error").Text())
	}
	expectRedirect(t, c.submit("/account/security", "form[action='/account/delete']", url.Values{"confirm": {"DELETE"}}), "/")
	if n := countRows(t, ta.DB, "SELECT count(*) FROM users WHERE email = ?", "nopass@example.com"); n != 0 {
		t.Error("DELETE did not delete the account")
	}
}
