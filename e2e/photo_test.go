package e2e_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pngHeader is the signature every PNG file starts with.
var pngHeader = []byte("\x89PNG\r\n\x1a\n")

// writePicture writes a w×h PNG (a warm gradient with a dark band) to dir.
func writePicture(t *testing.T, dir, name string, w, h int) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{uint8(180 + 60*x/w), uint8(90 + 80*y/h), 40, 255}
			if y > h*2/5 && y < h*3/5 {
				c = color.NRGBA{30, 60, 90, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserProfilePhoto uploads a photo through the account page's file
// input: a text file named .png is refused beside the input, a picture
// becomes the avatar in the header, and removing it brings the initials back.
func TestBrowserProfilePhoto(t *testing.T) {
	srv := startServer(t)
	b := newTab(t)
	b.signUp(srv, "Ada Lovelace", "ada@example.com", "analytical engine")
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.png")
	if err := os.WriteFile(notes, []byte("these are notes, not a picture\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	picture := writePicture(t, dir, "me.png", 640, 480)

	b.do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("#photo-file"),
		chromedp.SetUploadFiles("#photo-file", []string{notes}),
		chromedp.Click("[data-testid=save-photo]"), chromedp.WaitVisible("[data-testid=error-photo]"))
	if got := b.text("[data-testid=error-photo]"); !strings.Contains(got, "not a picture we can use") {
		t.Errorf("the refusal reads %q", got)
	}
	if b.exists("[data-testid=account-menu-button] img") {
		t.Error("a refused file became the avatar")
	}
	b.checkAccessibility("account page, photo refused")

	// A file over 5 MB is read to its end and refused on the page too (not
	// a reset connection or the bare 413 page).
	big := filepath.Join(dir, "big.png")
	if err := os.WriteFile(big, append(pngHeader, make([]byte, 6<<20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.SetUploadFiles("#photo-file", []string{big}), chromedp.Click("[data-testid=save-photo]"))
	if got := b.waitText("[data-testid=error-photo]", "larger than 5 MB"); !strings.Contains(got, "larger than 5 MB") {
		t.Errorf("the refusal of a large file reads %q", got)
	}

	b.do(chromedp.SetUploadFiles("#photo-file", []string{picture}),
		chromedp.Click("[data-testid=save-photo]"),
		chromedp.WaitVisible("[data-testid=account-menu-button] img[data-testid=avatar]"))
	// The photo loads (the same origin, under the CSP) at its stored size.
	loaded := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !loaded; time.Sleep(50 * time.Millisecond) {
		w, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`(() => { const i = document.querySelector('[data-testid=account-menu-button] img'); return i && i.complete ? i.naturalWidth : 0; })()`))
		if err != nil {
			t.Fatal(err)
		}
		if w == 256 {
			loaded = true
		}
	}
	if !loaded {
		t.Fatal("the header's photo did not load at 256 px")
	}
	if b.exists("[data-testid=error-photo]") {
		t.Error("the refusal is still shown after a good upload")
	}
	b.checkAccessibility("account page with a photo")
	b.screenshot("account-photo")

	b.do(chromedp.Click("[data-testid=remove-photo]"), chromedp.WaitVisible("span[data-testid=avatar]"))
	if got := b.text("[data-testid=account-menu-button] [data-testid=avatar]"); got != "AL" {
		t.Errorf("after removal the avatar reads %q", got)
	}

	// An admin takes a photo down from the user's page.
	b.do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("#photo-file"),
		chromedp.SetUploadFiles("#photo-file", []string{picture}), chromedp.Click("[data-testid=save-photo]"),
		chromedp.WaitVisible("[data-testid=account-menu-button] img[data-testid=avatar]"))
	adm := newTab(t)
	adm.signUp(srv, "Grace", "grace@example.com", "the admin of photos")
	adm.makeAdmin(srv, "grace@example.com", "the admin of photos")
	adm.do(chromedp.Navigate(srv.URL+"/admin/users/"+userByEmail(t, srv, "ada@example.com").ID), chromedp.WaitVisible("[data-testid=remove-photo-form]"))
	adm.checkAccessibility("admin user page with a photo")
	adm.do(chromedp.Click("[data-testid=remove-photo-form] button"), chromedp.WaitVisible("[data-testid=user-heading] span[data-testid=avatar]"))
	if adm.exists("[data-testid=remove-photo-form]") {
		t.Error("Remove photo still offered after the removal")
	}
	b.do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("[data-testid=account-menu-button] span[data-testid=avatar]"))
}

// waitText waits up to 10 seconds for sel's text to hold want (the next
// page to arrive) and returns the text it last read.
func (tb *tab) waitText(sel, want string) string {
	tb.t.Helper()
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](fmt.Sprintf("(() => { const e = document.querySelector(%q); return e ? e.textContent : ''; })()", sel)))
		if err == nil {
			got = s
		}
		if strings.Contains(got, want) {
			break
		}
	}
	return got
}
