package components

import (
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

// render renders c and parses the result.
func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var b strings.Builder
	if err := c.Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func pageURL(n int) string { return "/things?page=" + strconv.Itoa(n) }

// TestPagination: the summary never names a page past the last one nor
// "1 users"; the links go one page either way, none before the first or
// after the last, and from past the end back to the last.
func TestPagination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		p          Pager
		summary    string
		prev, next string
	}{
		{"a middle page", Pager{Page: 2, Pages: 41, Total: 2001, Noun: "user"}, "Page 2 of 41 · 2,001 users", "/things?page=1", "/things?page=3"},
		{"the first page", Pager{Page: 1, Pages: 3, Total: 60, Noun: "user"}, "Page 1 of 3 · 60 users", "", "/things?page=2"},
		{"the last page", Pager{Page: 3, Pages: 3, Total: 60, Noun: "user"}, "Page 3 of 3 · 60 users", "/things?page=2", ""},
		{"past the last page", Pager{Page: 99, Pages: 41, Total: 2001, Noun: "user"}, "Page 41 of 41 · 2,001 users", "/things?page=41", ""},
		{"zero results", Pager{Page: 1, Pages: 1, Total: 0, Noun: "user"}, "Page 1 of 1 · 0 users", "", ""},
		{"zero results, no pages", Pager{Page: 1, Pages: 0, Total: 0, Noun: "user"}, "Page 1 of 1 · 0 users", "", ""},
		{"one result", Pager{Page: 1, Pages: 1, Total: 1, Noun: "user"}, "Page 1 of 1 · 1 user", "", ""},
		{"one result, irregular plural", Pager{Page: 1, Pages: 1, Total: 1, Noun: "entry", Plural: "entries"}, "Page 1 of 1 · 1 entry", "", ""},
		{"two results, irregular plural", Pager{Page: 1, Pages: 1, Total: 2, Noun: "entry", Plural: "entries"}, "Page 1 of 1 · 2 entries", "", ""},
		{"a page before the first", Pager{Page: -4, Pages: 2, Total: 30, Noun: "user"}, "Page 1 of 2 · 30 users", "", "/things?page=2"},
	} {
		tc.p.URL = pageURL
		doc := render(t, Pagination(tc.p))
		if got := doc.Find("[data-testid=page-summary]").Text(); got != tc.summary {
			t.Errorf("%s: summary %q, want %q", tc.name, got, tc.summary)
		}
		prev, hasPrev := doc.Find("a[rel=prev][data-testid=prev-page]").Attr("href")
		next, hasNext := doc.Find("a[rel=next][data-testid=next-page]").Attr("href")
		if prev != tc.prev || hasPrev != (tc.prev != "") {
			t.Errorf("%s: previous link %q, want %q", tc.name, prev, tc.prev)
		}
		if next != tc.next || hasNext != (tc.next != "") {
			t.Errorf("%s: next link %q, want %q", tc.name, next, tc.next)
		}
		if doc.Find("nav.pager[aria-label=Pages]").Length() != 1 {
			t.Errorf("%s: no pager nav", tc.name)
		}
	}
}

func TestCountedAndNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n         int64
		one, many string
		want      string
	}{
		{0, "matching user", "", "0 matching users"},
		{1, "matching user", "", "1 matching user"},
		{2, "organization", "", "2 organizations"},
		{1234567, "event", "", "1,234,567 events"},
		{1, "entry", "entries", "1 entry"},
		{100, "entry", "entries", "100 entries"},
		{-1234, "degree", "", "-1,234 degrees"},
	} {
		if got := Counted(tc.n, tc.one, tc.many); got != tc.want {
			t.Errorf("Counted(%d, %q, %q) = %q, want %q", tc.n, tc.one, tc.many, got, tc.want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", -999: "-999", -1000: "-1,000"} {
		if got := Number(n); got != want {
			t.Errorf("Number(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestSelect: the option of the field's value is the selected one (only
// it), and an error marks the select invalid and describes it.
func TestSelect(t *testing.T) {
	t.Parallel()
	opts := []Option{{Value: "", Label: "Any"}, {Value: "member", Label: "Member"}, {Value: "admin", Label: "Admin <b>"}, {Value: "owner", Label: "Owner", Disabled: true}}
	doc := render(t, Select(SelectField{Name: "role", Label: "Role", Value: "admin", Options: opts}))
	sel := doc.Find("select#field-role[name=role]")
	if sel.Length() != 1 || doc.Find("label[for=field-role]").Text() != "Role" {
		t.Fatalf("no labelled select: %s", htmlOf(doc))
	}
	if got := sel.Find("option[selected]"); got.Length() != 1 || got.AttrOr("value", "") != "admin" || got.Text() != "Admin <b>" {
		t.Errorf("selected: %d options, %q", got.Length(), got.AttrOr("value", ""))
	}
	if sel.Find("option[value=owner][disabled]").Length() != 1 {
		t.Error("the disabled option is not disabled")
	}
	if _, ok := sel.Attr("aria-invalid"); ok {
		t.Error("a valid select is marked invalid")
	}
	if _, ok := sel.Attr("aria-describedby"); ok {
		t.Error("a select without hint or error is described by something")
	}

	doc = render(t, Select(SelectField{ID: "r", Name: "role", Label: "Role", Options: opts, Hint: "Who may do what.", Error: "Choose a role.", Required: true}))
	sel = doc.Find("select#r")
	if sel.AttrOr("aria-invalid", "") != "true" || sel.AttrOr("aria-describedby", "") != "r-error r-hint" {
		t.Errorf("invalid select: aria-invalid=%q aria-describedby=%q", sel.AttrOr("aria-invalid", ""), sel.AttrOr("aria-describedby", ""))
	}
	if doc.Find("#r-error[data-testid=error-role]").Text() != "Choose a role." || doc.Find("#r-hint").Text() != "Who may do what." {
		t.Errorf("error or hint missing: %s", htmlOf(doc))
	}
	if doc.Find(".field.field-invalid").Length() != 1 {
		t.Error("the invalid field is not marked")
	}
	if got := sel.Find("option[selected]"); got.Length() != 1 || got.Text() != "Any" {
		t.Errorf("an empty value selects %d options, %q; want the empty option", got.Length(), got.Text())
	}
	if _, ok := sel.Attr("required"); !ok {
		t.Error("required is lost")
	}
}

// TestCheckbox: ticked when Checked, its value sent, the hint and error
// tied to it.
func TestCheckbox(t *testing.T) {
	t.Parallel()
	doc := render(t, Checkbox(CheckboxField{Name: "remember", Label: "Keep me signed in", Value: "yes", Checked: true, Hint: "On this computer."}))
	box := doc.Find("input[type=checkbox]#field-remember[name=remember][value=yes]")
	if box.Length() != 1 {
		t.Fatalf("no checkbox: %s", htmlOf(doc))
	}
	if _, ok := box.Attr("checked"); !ok {
		t.Error("a checked checkbox is not ticked")
	}
	if box.AttrOr("aria-describedby", "") != "field-remember-hint" {
		t.Errorf("aria-describedby=%q", box.AttrOr("aria-describedby", ""))
	}
	if _, ok := box.Attr("aria-invalid"); ok {
		t.Error("a valid checkbox is marked invalid")
	}

	doc = render(t, Checkbox(CheckboxField{Name: "terms", Label: "I accept", Error: "Accept the terms.", Required: true}))
	box = doc.Find("input#field-terms")
	if _, ok := box.Attr("checked"); ok {
		t.Error("an unchecked checkbox is ticked")
	}
	if _, ok := box.Attr("value"); ok {
		t.Error("a checkbox without a value has one (the browser's is \"on\")")
	}
	if box.AttrOr("aria-invalid", "") != "true" || box.AttrOr("aria-describedby", "") != "field-terms-error" || doc.Find("#field-terms-error").Text() != "Accept the terms." {
		t.Errorf("invalid checkbox: %s", htmlOf(doc))
	}
}

// TestRadioGroup: one radio per option, the value's checked, all labelled;
// the group carries the legend as its name, the hint, the error and
// aria-invalid.
func TestRadioGroup(t *testing.T) {
	t.Parallel()
	opts := []Option{{Value: "solo", Label: "Solo"}, {Value: "team", Label: "Team"}, {Value: "big", Label: "Big", Disabled: true}}
	doc := render(t, RadioGroup(RadioGroupField{Name: "plan", Label: "Plan", Value: "team", Options: opts, Error: "Pick one.", Hint: "Change it later."}))
	g := doc.Find("fieldset[role=radiogroup]#field-plan")
	if g.Length() != 1 || doc.Find("#"+g.AttrOr("aria-labelledby", "none")).Text() != "Plan" {
		t.Fatalf("no group named by its legend: %s", htmlOf(doc))
	}
	if g.AttrOr("aria-invalid", "") != "true" || g.AttrOr("aria-describedby", "") != "field-plan-error field-plan-hint" {
		t.Errorf("group aria-invalid=%q aria-describedby=%q", g.AttrOr("aria-invalid", ""), g.AttrOr("aria-describedby", ""))
	}
	radios := g.Find("input[type=radio][name=plan]")
	if radios.Length() != 3 {
		t.Fatalf("%d radios, want 3", radios.Length())
	}
	radios.Each(func(i int, r *goquery.Selection) {
		id := r.AttrOr("id", "")
		if doc.Find("label[for='"+id+"']").Text() != opts[i].Label {
			t.Errorf("radio %d (%s) is not labelled %q", i, id, opts[i].Label)
		}
		_, checked := r.Attr("checked")
		if checked != (opts[i].Value == "team") {
			t.Errorf("radio %q checked=%v", opts[i].Value, checked)
		}
		_, disabled := r.Attr("disabled")
		if disabled != opts[i].Disabled {
			t.Errorf("radio %q disabled=%v", opts[i].Value, disabled)
		}
	})
	doc = render(t, RadioGroup(RadioGroupField{Name: "plan", Label: "Plan", Options: opts}))
	if n := doc.Find("input[checked]").Length(); n != 0 {
		t.Errorf("no value, %d radios checked", n)
	}
	if _, ok := doc.Find("fieldset").Attr("aria-invalid"); ok {
		t.Error("a valid group is marked invalid")
	}
}

// TestButton: a button by default, a link with Href; disabled links lose
// their href.
func TestButton(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		b    ButtonProps
		want string
	}{
		{ButtonProps{Label: "Save"}, `<button type="submit" class="btn btn-primary">Save</button>`},
		{ButtonProps{Label: "Ban", Variant: Danger, Small: true, Name: "action", Value: "ban", TestID: "ban"}, `<button type="submit" class="btn btn-danger btn-sm" name="action" value="ban" data-testid="ban">Ban</button>`},
		{ButtonProps{Label: "Wait", Type: "button", Disabled: true, Block: true}, `<button type="button" class="btn btn-primary btn-block" disabled>Wait</button>`},
		{ButtonProps{Label: "Back", Variant: Secondary, Href: "/account"}, `<a class="btn btn-secondary" href="/account">Back</a>`},
		{ButtonProps{Label: "Back", Variant: Ghost, Href: "/account", Disabled: true}, `<a class="btn btn-ghost" role="link" aria-disabled="true">Back</a>`},
	} {
		var b strings.Builder
		if err := Button(tc.b).Render(t.Context(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("Button(%+v)\n got %s\nwant %s", tc.b, b.String(), tc.want)
		}
	}
}

// TestTabsMarkTheCurrentPage: exactly the current tab has aria-current.
func TestTabsMarkTheCurrentPage(t *testing.T) {
	t.Parallel()
	doc := render(t, Tabs(TabsProps{Label: "Organization", Tabs: []Tab{{Label: "Home", Href: "/o"}, {Label: "Members", Href: "/o/members", Current: true, TestID: "m"}}}))
	if doc.Find("nav[aria-label=Organization] a").Length() != 2 {
		t.Fatalf("tabs: %s", htmlOf(doc))
	}
	cur := doc.Find("a[aria-current=page]")
	if cur.Length() != 1 || cur.Text() != "Members" || cur.AttrOr("data-testid", "") != "m" {
		t.Errorf("current: %s", htmlOf(doc))
	}
}

// TestDialogIsWiredToItsButton: the opening link targets the dialog (the
// fallback without JavaScript) and names it for app.js; the dialog is
// labelled by its title.
func TestDialogIsWiredToItsButton(t *testing.T) {
	t.Parallel()
	doc := render(t, Dialog(DialogProps{ID: "d", Title: "Invite", OpenLabel: "Invite someone"}))
	open := doc.Find("a#d-open")
	if open.AttrOr("href", "") != "#d" || open.AttrOr("data-dialog-open", "") != "d" || open.Text() != "Invite someone" {
		t.Errorf("opening link: %s", htmlOf(doc))
	}
	d := doc.Find("dialog#d")
	if doc.Find("#"+d.AttrOr("aria-labelledby", "none")).Text() != "Invite" {
		t.Errorf("the dialog is not labelled by its title: %s", htmlOf(doc))
	}
	if c := d.Find("[data-dialog-close]"); c.AttrOr("href", "") != "#d-open" || c.Text() != "Close" {
		t.Errorf("close link: %s", htmlOf(doc))
	}
}

// TestEmptyStateAndBadge keep the test ids and words callers give them.
func TestEmptyStateAndBadge(t *testing.T) {
	t.Parallel()
	doc := render(t, EmptyState(EmptyStateProps{Message: "No users match.", TestID: "no-users"}))
	if got := doc.Find("[data-testid=no-users]").Text(); got != "No users match." {
		t.Errorf("empty state text %q", got)
	}
	if doc.Find(".empty-state-title").Length() != 0 {
		t.Error("a title without one given")
	}
	doc = render(t, Badge(BadgeProps{Label: "Banned", Tone: ToneError, TestID: "badge-banned"}))
	if b := doc.Find("span.badge.badge-error[data-testid=badge-banned]"); b.Text() != "Banned" {
		t.Errorf("badge: %s", htmlOf(doc))
	}
	if render(t, Badge(BadgeProps{Label: "Admin"})).Find("span.badge.badge-info").Length() != 1 {
		t.Error("a badge without a tone is not info")
	}
}

func htmlOf(doc *goquery.Document) string {
	h, _ := doc.Find("body").Html()
	return h
}
