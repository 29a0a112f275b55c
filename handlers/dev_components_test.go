package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// componentHeadings are the gallery's sections, one per component family
// of views/components.
var componentHeadings = []string{"Buttons", "Badges", "Cards", "Tables", "Form fields", "Tabs", "Dialog", "Dropdown menu", "Empty states", "Pagination"}

// TestDevComponentsShowsEveryComponent: in development, from this machine,
// /dev/components shows every component family under its heading with the
// code that calls it, each rendered (a select, a checkbox, a dialog …),
// with unique ids and a label for every field.
func TestDevComponentsShowsEveryComponent(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	res := ta.client(t).get("/dev/components")
	expectStatus(t, res, http.StatusOK)

	sections := map[string]*goquery.Selection{}
	res.Doc.Find("[data-testid=component-section]").Each(func(_ int, s *goquery.Selection) {
		sections[strings.TrimSpace(s.Find("h2").First().Text())] = s
	})
	for _, h := range componentHeadings {
		s, ok := sections[h]
		if !ok {
			t.Errorf("no section headed %q", h)
			continue
		}
		if code := s.Find("pre code").Text(); !strings.Contains(code, "@components.") {
			t.Errorf("%s: the snippet %q does not call a component", h, code)
		}
	}
	if len(sections) != len(componentHeadings) {
		t.Errorf("%d sections, want %d", len(sections), len(componentHeadings))
	}

	// Each family is there, in its states.
	for _, tc := range []struct{ section, selector string }{
		{"Buttons", "button.btn-primary:not([disabled])"},
		{"Buttons", "button.btn[disabled]"},
		{"Buttons", "a.btn[aria-disabled=true]:not([href])"},
		{"Badges", ".badge-error"},
		{"Cards", "section.card[aria-labelledby=example-card-title] h2#example-card-title"},
		{"Tables", "table.stack-table caption.sr-only"},
		{"Tables", "th[scope=col] .sr-only"},
		{"Form fields", "select#example-role option[value=member][selected]"},
		{"Form fields", "select#example-role-error[aria-invalid=true][aria-describedby=example-role-error-error]"},
		{"Form fields", "input[type=checkbox]#example-remember[checked]"},
		{"Form fields", "input[type=checkbox]#example-terms-error[aria-invalid=true]"},
		{"Form fields", "fieldset[role=radiogroup]#example-plan input[type=radio][value=team][checked]"},
		{"Form fields", "fieldset[role=radiogroup][aria-invalid=true]#example-plan-error"},
		{"Form fields", "fieldset[disabled]#example-plan-disabled"},
		{"Tabs", "nav.tabs a[aria-current=page]"},
		{"Dialog", "a[data-dialog-open=example-dialog][href='#example-dialog']"},
		{"Dialog", "dialog#example-dialog[aria-labelledby=example-dialog-title]"},
		{"Dropdown menu", "details.dropdown summary"},
		{"Empty states", ".empty-state"},
		{"Pagination", "nav.pager [data-testid=page-summary]"},
	} {
		if s := sections[tc.section]; s == nil || s.Find(tc.selector).Length() == 0 {
			t.Errorf("%s: nothing matches %s", tc.section, tc.selector)
		}
	}
	var summaries []string
	sections["Pagination"].Find("[data-testid=page-summary]").Each(func(_ int, s *goquery.Selection) { summaries = append(summaries, s.Text()) })
	if want := "Page 2 of 41 · 2,001 users|Page 1 of 3 · 60 events|Page 41 of 41 · 2,001 users|Page 1 of 1 · 1 entry|Page 1 of 1 · 0 entries"; strings.Join(summaries, "|") != want {
		t.Errorf("pagination examples read %q, want %q", summaries, want)
	}

	seen := map[string]bool{}
	res.Doc.Find("[id]").Each(func(_ int, s *goquery.Selection) {
		id := s.AttrOr("id", "")
		if seen[id] {
			t.Errorf("duplicate id %q", id)
		}
		seen[id] = true
	})
	res.Doc.Find("input:not([type=hidden]), select, textarea").Each(func(_ int, s *goquery.Selection) {
		if id := s.AttrOr("id", ""); id == "" || res.Doc.Find("label[for='"+id+"']").Length() != 1 {
			t.Errorf("field %q has no label", s.AttrOr("name", ""))
		}
	})
}

// TestDevComponentsTabsAreLinks: the example tabs are pages of their own:
// ?tab= marks the asked-for tab current (and only it), an unknown one the
// first.
func TestDevComponentsTabsAreLinks(t *testing.T) {
	t.Parallel()
	c := newTestApp(t).client(t)
	for _, tc := range []struct{ query, current string }{
		{"", "Overview"},
		{"?tab=activity", "Activity"},
		{"?tab=settings", "Settings"},
		{"?tab=%3Cscript%3E", "Overview"},
	} {
		res := c.get("/dev/components" + tc.query)
		expectStatus(t, res, http.StatusOK)
		cur := res.Doc.Find("[data-testid=example-tabs] a[aria-current=page]")
		if cur.Length() != 1 || cur.Text() != tc.current {
			t.Errorf("%q: current tab %q (%d marked), want %q", tc.query, cur.Text(), cur.Length(), tc.current)
		}
		if got := res.Doc.Find("[data-testid=example-tab-panel]").Text(); !strings.Contains(got, "the "+tc.current+" tab") {
			t.Errorf("%q: the panel says %q", tc.query, got)
		}
	}
}

// TestDevComponentsOnlyInDevelopmentFromLoopback: the gallery is a
// development page for this machine, like the mailbox (but with or without
// SMTP): 404 in production and to any peer that is not loopback, whatever
// X-Forwarded-For says.
func TestDevComponentsOnlyInDevelopmentFromLoopback(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, withEnv("HEARTH_TRUSTED_PROXIES", "203.0.113.0/24"), withEnv("HEARTH_SMTP_URL", "smtp://127.0.0.1:2525"))
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
		req := httptest.NewRequest(http.MethodGet, ta.App.Config.BaseURL.String()+"/dev/components", nil)
		req.RemoteAddr = tc.peer
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		rec := httptest.NewRecorder()
		ta.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s: GET /dev/components = %d, want %d", tc.name, rec.Code, tc.want)
		}
		if shown := strings.Contains(rec.Body.String(), `data-testid="component-section"`); shown != (tc.want == http.StatusOK) {
			t.Errorf("%s: gallery shown: %v", tc.name, shown)
		}
	}

	prod := newTestApp(t, withEnv("HEARTH_ENV", "production"), withEnv("HEARTH_SECRET_KEY", testSecretKey), withEnv("HEARTH_BASE_URL", "https://app.example.com"),
		withEnv("HEARTH_SMTP_URL", "smtp://u:p@smtp.example.com:587"))
	res := prod.client(t).get("/dev/components")
	expectStatus(t, res, http.StatusNotFound)
	if res.Doc.Find("[data-testid=component-section]").Length() != 0 {
		t.Error("production shows the gallery on its 404 page")
	}
}
