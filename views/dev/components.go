package dev

import (
	"strconv"

	"github.com/hearth-app/hearth/views/components"
)

// ComponentsPageData is the state of the component gallery the request
// asked for: which of its example tabs is current.
type ComponentsPageData struct {
	Tab string // "overview", "activity" or "settings"; the first when unknown
}

// ComponentSection is one family of views/components on the gallery: its
// heading (and the anchor made from it).
type ComponentSection struct{ ID, Heading string }

// ComponentSections are the gallery's sections, in order: its table of
// contents and the headings a test looks for.
var ComponentSections = []ComponentSection{
	{"buttons", "Buttons"},
	{"badges", "Badges"},
	{"cards", "Cards"},
	{"tables", "Tables"},
	{"fields", "Form fields"},
	{"tabs", "Tabs"},
	{"dialog", "Dialog"},
	{"dropdown", "Dropdown menu"},
	{"empty-states", "Empty states"},
	{"pagination", "Pagination"},
}

// exampleTabs are the gallery's tabs.
var exampleTabs = []components.Tab{
	{Label: "Overview", Href: "/dev/components?tab=overview#tabs"},
	{Label: "Activity", Href: "/dev/components?tab=activity#tabs"},
	{Label: "Settings", Href: "/dev/components?tab=settings#tabs"},
}

// tabs are the example tabs with the asked-for one current.
func (d ComponentsPageData) tabs() []components.Tab {
	ts := make([]components.Tab, len(exampleTabs))
	found := false
	for i, t := range exampleTabs {
		t.TestID = "example-tab-" + strconv.Itoa(i)
		if "/dev/components?tab="+d.Tab+"#tabs" == t.Href {
			t.Current, found = true, true
		}
		ts[i] = t
	}
	if !found {
		ts[0].Current = true
	}
	return ts
}

// currentTab is the label of the current example tab.
func (d ComponentsPageData) currentTab() string {
	for _, t := range d.tabs() {
		if t.Current {
			return t.Label
		}
	}
	return ""
}

// examplePage links the pagination examples to the gallery itself.
func examplePage(n int) string { return "/dev/components?page=" + strconv.Itoa(n) + "#pagination" }

var planOptions = []components.Option{{Value: "solo", Label: "Solo"}, {Value: "team", Label: "Team"}, {Value: "enterprise", Label: "Enterprise (ask us)", Disabled: true}}

var roleOptions = []components.Option{{Value: "", Label: "Choose a role"}, {Value: "member", Label: "Member"}, {Value: "admin", Label: "Admin"}}

// The code shown under each example: how it is called.
const (
	buttonSnippet = `@components.Button(components.ButtonProps{Label: "Save"})
@components.Button(components.ButtonProps{Label: "Cancel", Variant: components.Secondary, Href: "/account"})
@components.Button(components.ButtonProps{Label: "Delete", Variant: components.Danger, Small: true, Disabled: true})`
	badgeSnippet = `@components.Badge(components.BadgeProps{Label: "Banned", Tone: components.ToneError, TestID: "badge-banned"})`
	cardSnippet  = `@components.Card(components.CardProps{Title: "Profile", ID: "profile"}) {
	<p>The card's content.</p>
}`
	tableSnippet = `@components.Table(components.TableProps{Caption: "Users", Stack: true,
	Columns: []components.Column{{Label: "Email"}, {Label: "Status"}, {Label: "Actions", Hidden: true}}}) {
	for _, u := range users {
		<tr><td>{ u.Email }</td><td data-label="Status">…</td><td>…</td></tr>
	}
}`
	fieldSnippet = `@components.TextField(components.Field{Name: "email", Label: "Email", Type: "email", Error: f.EmailError})
@components.Select(components.SelectField{Name: "role", Label: "Role", Value: f.Role, Options: roles})
@components.Checkbox(components.CheckboxField{Name: "remember", Label: "Keep me signed in", Value: "yes", Checked: true})
@components.RadioGroup(components.RadioGroupField{Name: "plan", Label: "Plan", Value: f.Plan, Options: plans})`
	tabsSnippet = `@components.Tabs(components.TabsProps{Label: "Organization", Tabs: []components.Tab{
	{Label: "Home", Href: "/orgs/acme", Current: here == "home"},
	{Label: "Members", Href: "/orgs/acme/members", Current: here == "members"}}})`
	dialogSnippet = `@components.Dialog(components.DialogProps{ID: "invite", Title: "Invite someone", OpenLabel: "Invite"}) {
	<form method="post" action="/orgs/acme/invitations">…</form>
}
<form method="post" action="/danger" data-confirm="Delete it? This cannot be undone." data-confirm-button="Delete">…</form>`
	dropdownSnippet = `@components.Dropdown(components.DropdownProps{Label: "More", Items: []components.MenuItem{
	{Label: "Export CSV", Href: "/admin/audit/export"}}}) {
	<form method="post" action="/logout"><button type="submit" class="dropdown-item">Sign out</button></form>
}`
	emptySnippet      = `@components.EmptyState(components.EmptyStateProps{Message: "No users match.", TestID: "no-users"})`
	paginationSnippet = `@components.Pagination(components.Pager{Page: d.Page, Pages: d.Pages(), Total: d.Total, Noun: "user",
	URL: func(n int) string { return admin.UsersURL(d.Query, n) }})`
)
