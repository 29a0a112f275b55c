package handlers_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/internal/smtptest"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/mail"
	"github.com/hearth-app/hearth/models"
)

// The "mail queued" line names the user by id (it printed a pointer).
func TestMailQueuedLogNamesTheUser(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("logged@example.com", goodPassword)
	id := userID(t, ta, "logged@example.com")
	for _, line := range strings.Split(ta.Logs.String(), "\n") {
		if strings.Contains(line, `msg="mail queued"`) && strings.Contains(line, "template="+models.TokenVerifyEmail) {
			if !strings.Contains(line, "user_id="+id) {
				t.Fatalf("the mail log does not name user %s: %s", id, line)
			}
			return
		}
	}
	t.Fatalf("no mail queued line in the log:\n%s", ta.Logs.String())
}

// A mail sent over SMTP leaves no usable link in the outbox: someone who
// reads a backup taken after delivery cannot reset the password with it.
// The link the user received still works.
func TestDeliveredMailLeavesNoTokenInTheOutbox(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	ta := newTestApp(t, withEnv("HEARTH_SMTP_URL", "smtp://"+srv.Addr))
	owner := ta.client(t)
	owner.signUp("owner@example.com", goodPassword)
	expectStatus(t, ta.client(t).submit("/forgot-password", "form[action='/forgot-password']", url.Values{"email": {"owner@example.com"}}), http.StatusOK)

	if err := ta.App.WaitBackground(t.Context()); err != nil { // the reset mail is queued after the answer
		t.Fatal(err)
	}
	sender := mail.NewSender(ta.DB, mail.NewSMTP(ta.App.Config.SMTPURL), ta.App.Config.MailFrom, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if n := sender.DeliverDue(t.Context()); n != 2 {
		t.Fatalf("delivered %d mails, want the verification and the reset", n)
	}
	var link string
	for _, m := range srv.Messages() {
		if strings.Contains(m.Raw, "/reset-password?token=") {
			link = linkRE.FindString(m.Text)
		}
	}
	if link == "" {
		t.Fatal("no reset link in the delivered mail")
	}
	token := tokenOf(t, link)

	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE text_body <> '' OR html_body <> ''"); n != 0 {
		t.Errorf("%d delivered mails keep their bodies", n)
	}
	if n := countRows(t, ta.DB, "SELECT count(*) FROM outbox WHERE to_addr = 'owner@example.com' AND subject <> '' AND template = ? AND sent_at IS NOT NULL", models.TokenResetPassword); n != 1 {
		t.Error("the record of the sent mail (to, subject, template, sent_at) is gone")
	}
	if !testdb.Postgres() { // a backup made as docs/deploy.md says holds no token either
		backup := filepath.Join(t.TempDir(), "backup.db")
		if err := ta.DB.Write.Exec("VACUUM INTO ?", backup).Error; err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(backup)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(token)) {
			t.Fatal("the raw reset token is in a backup of the database")
		}
	}

	c := ta.client(t)
	u, _ := url.Parse(link)
	expectStatus(t, c.get(u.RequestURI()), http.StatusOK)
	expectRedirect(t, c.post("/reset-password", url.Values{"token": {token}, "password": {"a brand new passphrase"}}), "/login")
	expectRedirect(t, ta.client(t).signIn("owner@example.com", "a brand new passphrase"), "/account")
}

// The development mailbox answers only a peer on this machine — by the
// connection's address, whatever X-Forwarded-For says, even from a trusted
// proxy — and only while no SMTP server is configured.
func TestDevMailboxOnlyForLoopbackPeersWithoutSMTP(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_TRUSTED_PROXIES", "203.0.113.0/24"))
	ta.client(t).signUp("victim@example.com", goodPassword)
	id := lastMail(t, ta, "victim@example.com", models.TokenVerifyEmail).ID
	base := ta.App.Config.BaseURL
	for _, tc := range []struct {
		name, peer, xff string
		want            int
	}{
		{"loopback peer", "127.0.0.1:1234", "", http.StatusOK},
		{"IPv6 loopback peer", "[::1]:1234", "", http.StatusOK},
		{"remote peer", "203.0.113.5:1234", "", http.StatusNotFound},
		{"remote peer claiming loopback through a trusted proxy", "203.0.113.5:1234", "127.0.0.1", http.StatusNotFound},
		{"private-network peer", "10.0.0.7:1234", "", http.StatusNotFound},
	} {
		for _, path := range []string{"/dev/mail", "/dev/mail/" + id, "/dev/mail/" + id + "/html"} {
			req := httptest.NewRequest(http.MethodGet, base.String()+path, nil)
			req.RemoteAddr = tc.peer
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			rec := httptest.NewRecorder()
			ta.Config.Handler.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("%s: GET %s = %d, want %d", tc.name, path, rec.Code, tc.want)
			}
			if tc.want != http.StatusOK && strings.Contains(rec.Body.String(), "victim@example.com") {
				t.Errorf("%s: GET %s shows the mail", tc.name, path)
			}
		}
	}

	withSMTP := newTestApp(t, withEnv("HEARTH_SMTP_URL", "smtp://127.0.0.1:2525"))
	c := withSMTP.client(t)
	c.signUp("smtp@example.com", goodPassword)
	expectStatus(t, c.get("/dev/mail"), http.StatusNotFound)
	expectStatus(t, c.get("/dev/mail/"+lastMail(t, withSMTP, "smtp@example.com", models.TokenVerifyEmail).ID), http.StatusNotFound)
}

// A DNS-rebinding page (evil.example resolved to 127.0.0.1) reaches the
// server with its own name in Host: it is refused with 421 before any page,
// the mailbox included, is read. Load balancers probing /healthz by address
// still get their answer.
func TestRequestsForAnotherHostAreMisdirected(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("victim@example.com", goodPassword)
	port := ta.App.Config.BaseURL.Port()
	get := func(handler http.Handler, host, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
		req.RemoteAddr = "127.0.0.1:40000" // the victim's own browser
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}
	for _, host := range []string{"evil.example:" + port, "evil.example", "localhost.evil.example:" + port, "127.0.0.1:1" + port} {
		for _, path := range []string{"/dev/mail", "/", "/login"} {
			rec := get(ta.Config.Handler, host, path)
			if rec.Code != http.StatusMisdirectedRequest {
				t.Errorf("Host %s, GET %s = %d, want 421", host, path, rec.Code)
			}
			if strings.Contains(rec.Body.String(), "victim@example.com") || rec.Header().Get("Set-Cookie") != "" {
				t.Errorf("Host %s, GET %s: a page or a session for a misdirected request", host, path)
			}
		}
	}
	if rec := get(ta.Config.Handler, ta.App.Config.BaseURL.Host, "/dev/mail"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "victim@example.com") {
		t.Errorf("the mailbox at the base URL's own host: %d", rec.Code)
	}
	if rec := get(ta.Config.Handler, "10.1.2.3:8080", "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz probed by address: %d, want 200", rec.Code)
	}

	// In development the loopback names of the base URL are one another's.
	for _, host := range []string{"localhost:" + port, "[::1]:" + port, "LOCALHOST:" + port} {
		if rec := get(ta.Config.Handler, host, "/login"); rec.Code != http.StatusOK {
			t.Errorf("development, loopback Host %s: %d, want 200", host, rec.Code)
		}
	}

	// Behind a trusted proxy that rewrites Host, X-Forwarded-Host names the
	// one asked for; from anyone else it is not believed.
	proxied := newTestApp(t, withEnv("HEARTH_ENV", "production"), withEnv("HEARTH_SECRET_KEY", testSecretKey), withEnv("HEARTH_BASE_URL", "https://app.example.com"),
		withEnv("HEARTH_SMTP_URL", "smtp://u:p@smtp.example.com:587"), withEnv("HEARTH_TRUSTED_PROXIES", "10.0.0.0/8"))
	for _, tc := range []struct {
		peer, host, fwd string
		want            int
	}{
		{"10.0.0.2:5000", "backend:8080", "app.example.com", http.StatusOK},
		{"10.0.0.2:5000", "backend:8080", "evil.example", http.StatusMisdirectedRequest},
		{"203.0.113.9:5000", "backend:8080", "app.example.com", http.StatusMisdirectedRequest},
	} {
		req := httptest.NewRequest(http.MethodGet, "/login", nil)
		req.Host, req.RemoteAddr = tc.host, tc.peer
		req.Header.Set("X-Forwarded-Host", tc.fwd)
		rec := httptest.NewRecorder()
		proxied.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("peer %s, X-Forwarded-Host %s: %d, want %d", tc.peer, tc.fwd, rec.Code, tc.want)
		}
	}

	// The default port of the base URL's scheme may be left out, and names
	// compare without case.
	prod := newTestApp(t, withEnv("HEARTH_ENV", "production"), withEnv("HEARTH_SECRET_KEY", testSecretKey), withEnv("HEARTH_BASE_URL", "https://app.example.com"),
		withEnv("HEARTH_SMTP_URL", "smtp://u:p@smtp.example.com:587"))
	for host, want := range map[string]int{
		"app.example.com": http.StatusOK, "App.Example.COM:443": http.StatusOK, "app.example.com.": http.StatusOK,
		"app.example.com:8443": http.StatusMisdirectedRequest, "example.com": http.StatusMisdirectedRequest, "": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodGet, "/login", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		prod.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("production, Host %q: %d, want %d", host, rec.Code, want)
		}
	}
}

// TestDevMailLinksToThisApp: the mailbox's plain-text view makes the links
// to this app clickable (the verification link opens in one click) and
// leaves everything else escaped text: other sites, hosts that only start
// like the app's, markup.
func TestDevMailLinksToThisApp(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client(t)
	c.signUp("dev@example.com", goodPassword)
	verify := lastMail(t, ta, "dev@example.com", models.TokenVerifyEmail)
	page := c.get("/dev/mail/" + verify.ID)
	expectStatus(t, page, http.StatusOK)
	link := page.Doc.Find("[data-testid=mail-text] a[data-testid=mail-text-link]")
	href := link.AttrOr("href", "")
	if link.Length() != 1 || !strings.HasPrefix(href, ta.URL+"/verify-email?token=") || link.Text() != href {
		t.Fatalf("the verification link is not a link to this app: %d links, href %q, text %q", link.Length(), href, link.Text())
	}
	if !strings.Contains(verify.TextBody, href) {
		t.Errorf("the link %q is not the mail's", href)
	}
	expectStatus(t, c.get(strings.TrimPrefix(href, ta.URL)), http.StatusOK) // the confirm page it opens

	base := ta.App.Config.BaseURL.String()
	text := "Open " + base + "/reset-password?token=abc&x=1.\n" +
		"(or " + base + ")\n" +
		"Elsewhere: https://evil.example/phish and " + base + ".evil.example/x and " + base + "1/x\n" +
		`<script>alert("x")</script> javascript:alert(1) ` + "\n"
	m, err := models.EnqueueMail(t.Context(), ta.DB, ta.clock.Now(), models.OutboxMail{Template: "test", ToAddr: "dev@example.com", Subject: "Links", TextBody: text, HTMLBody: "<p>Links</p>"})
	if err != nil {
		t.Fatal(err)
	}
	page = c.get("/dev/mail/" + m.ID)
	expectStatus(t, page, http.StatusOK)
	var hrefs []string
	page.Doc.Find("[data-testid=mail-text] a").Each(func(_ int, s *goquerySelection) { hrefs = append(hrefs, s.AttrOr("href", "")) })
	if want := []string{base + "/reset-password?token=abc&x=1", base}; strings.Join(hrefs, " ") != strings.Join(want, " ") {
		t.Errorf("links %q, want %q (the app's only, without the sentence's punctuation)", hrefs, want)
	}
	if got := page.Doc.Find("[data-testid=mail-text]").Text(); got != text {
		t.Errorf("the text reads %q, want the mail's %q", got, text)
	}
	if page.Doc.Find("[data-testid=mail-text] script").Length() != 0 {
		t.Error("markup in a mail's text became markup on the page")
	}
}
