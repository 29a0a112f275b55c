package components

import (
	"bytes"
	"strings"
	"testing"
)

func TestInitials(t *testing.T) {
	for _, tc := range []struct{ name, email, want string }{
		{"Ada Lovelace", "ada@example.com", "AL"},
		{"ada", "", "A"},
		{"  Jean-Luc   Picard ", "", "JP"},
		{"", "zoë@example.com", "Z"},
		{"émile zola", "", "ÉZ"},
		{"李 小龙", "", "李小"},
		{"(( ))", "", "?"},
		{"", "", "?"},
		{"<b>", "", "B"},
	} {
		if got := Initials(tc.name, tc.email); got != tc.want {
			t.Errorf("Initials(%q, %q) = %q, want %q", tc.name, tc.email, got, tc.want)
		}
	}
}

func TestAvatarIsStableAndVaried(t *testing.T) {
	render := func(id, name string) string {
		var b bytes.Buffer
		if err := Avatar(id, name, "", "", "sm").Render(t.Context(), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if render("u1", "Ada Lovelace") != render("u1", "Ada Lovelace") {
		t.Error("the same user got two avatars")
	}
	colours := map[string]bool{}
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		colours[render(id, "Ada")] = true
	}
	if len(colours) < 3 {
		t.Errorf("ten users share %d colours", len(colours))
	}
}

func TestAvatarShowsThePhotoWhenThereIsOne(t *testing.T) {
	var b bytes.Buffer
	if err := Avatar("u1", "Ada Lovelace", "", "v1", "lg").Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{`<img `, `src="/avatars/u1/v1.jpg"`, `alt=""`, `width="56"`, `class="avatar avatar-photo avatar-lg"`, `data-testid="avatar"`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %s", got, want)
		}
	}
	if strings.Contains(got, "AL") {
		t.Error("the initials are shown beside the photo")
	}
}
