package components

import (
	"context"
	"hash/fnv"
	"html"
	"io"
	"strings"
	"unicode"

	"github.com/a-h/templ"

	"github.com/hearth-app/hearth/models"
)

// avatarColours is how many background colours initials avatars take
// (.avatar-c0 … in app.css, each dark enough for white text at 4.5:1).
const avatarColours = 6

// avatarPixels are the sizes' widths in CSS pixels (.avatar-sm, .avatar-lg).
var avatarPixels = map[string]string{"sm": "32", "lg": "56"}

// Avatar is a person's profile photo, or without one (photo is the user's
// AvatarVersion, "" for none) their initials in a coloured circle: the
// same colour for the same id everywhere (header, admin lists, members).
// It is decoration next to the person's name, so screen readers skip it.
// size is "sm" or "lg".
func Avatar(id, name, email, photo, size string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		if photo != "" {
			px := avatarPixels[size]
			_, err := io.WriteString(w, `<img class="avatar avatar-photo avatar-`+html.EscapeString(size)+`" src="`+
				html.EscapeString(models.PhotoURL(id, photo))+`" alt="" width="`+px+`" height="`+px+`" loading="lazy" decoding="async" aria-hidden="true" data-testid="avatar">`)
			return err
		}
		h := fnv.New32a()
		_, _ = h.Write([]byte(id))
		class := "avatar avatar-" + size + " avatar-c" + string(rune('0'+h.Sum32()%avatarColours))
		_, err := io.WriteString(w, `<span class="`+class+`" aria-hidden="true" data-testid="avatar">`+html.EscapeString(Initials(name, email))+`</span>`)
		return err
	})
}

// Initials are the first letters of the first and last words of name, or
// the first letter of email when there is no name: "Ada Lovelace" → "AL",
// "ada@example.com" → "A". Letters and digits only, upper case.
func Initials(name, email string) string {
	var words []string
	for _, w := range strings.Fields(name) {
		if r := firstLetter(w); r != 0 {
			words = append(words, string(unicode.ToUpper(r)))
		}
	}
	switch len(words) {
	case 0:
		if r := firstLetter(email); r != 0 {
			return string(unicode.ToUpper(r))
		}
		return "?"
	case 1:
		return words[0]
	}
	return words[0] + words[len(words)-1]
}

func firstLetter(s string) rune {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
	}
	return 0
}
