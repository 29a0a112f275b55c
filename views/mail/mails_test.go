package mail

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
)

func TestLinkLifetimesAreWrittenOut(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "one hour", 24 * time.Hour: "24 hours", 48 * time.Hour: "48 hours", 90 * time.Minute: "90 minutes", 15 * time.Minute: "15 minutes",
	} {
		if got := ttlText(d); got != want {
			t.Errorf("ttlText(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestMailsAreResponsiveAndBranded: every mail's HTML is fluid (no fixed
// widths, no <font>), its button is one link whose whole area is clickable,
// its long link wraps, and it speaks with the product's name and colour.
func TestMailsAreResponsiveAndBranded(t *testing.T) {
	u := &models.User{Name: "Ann", Email: "ann@example.com"}
	long := "https://app.example.com/verify-email?token=" + strings.Repeat("x", 120)
	for _, m := range []Mail{VerifyEmail(u, long), ResetPassword(u, long), PasswordWasReset(u), APITokenCreated(u, "ci", long)} {
		var b bytes.Buffer
		if err := HTML(m).Render(t.Context(), &b); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		if n := doc.Find("font, center").Length(); n != 0 {
			t.Errorf("%s: %d <font>/<center> tags", m.Template, n)
		}
		doc.Find("[width]").Each(func(_ int, s *goquery.Selection) {
			if w := s.AttrOr("width", ""); w != "100%" {
				t.Errorf("%s: a fixed width %q on <%s>", m.Template, w, goquery.NodeName(s))
			}
		})
		if !strings.Contains(doc.Find("body").Text(), config.ProductName) {
			t.Errorf("%s: the product's name is missing", m.Template)
		}
		if m.URL == "" {
			continue
		}
		button := doc.Find("[data-testid=mail-button]")
		style := button.AttrOr("style", "")
		if button.AttrOr("href", "") != m.URL || !strings.Contains(style, "display:inline-block") || !strings.Contains(style, "padding:") ||
			!strings.Contains(style, "background:"+config.BrandColor) {
			t.Errorf("%s: the button is not one padded link in the brand's colour: %q", m.Template, style)
		}
		if p := doc.Find("a[href]").Last().Parent(); !strings.Contains(p.AttrOr("style", ""), "word-break:break-all") {
			t.Errorf("%s: the copyable link does not wrap", m.Template)
		}
	}
}
