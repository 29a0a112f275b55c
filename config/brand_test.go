package config_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/static"
)

// TestBrandColoursMatchTheStylesheet: the mails and the logo draw with the
// colours of product.go; the pages with app.css's light palette. A rebrand
// that changes one and not the other fails here.
func TestBrandColoursMatchTheStylesheet(t *testing.T) {
	css, err := fs.ReadFile(static.FS, "css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	root := string(css[:strings.Index(string(css), "}")]) // the first block: :root, the light palette
	for name, want := range map[string]string{
		"--c-primary": config.BrandColor, "--c-primary-text": config.BrandColorText, "--c-text": config.BrandInk,
		"--c-muted": config.BrandMuted, "--c-bg": config.BrandBackground, "--c-surface": config.BrandSurface, "--c-border": config.BrandBorder,
	} {
		m := regexp.MustCompile(regexp.QuoteMeta(name) + `:\s*(#[0-9a-fA-F]{3,8})\s*;`).FindStringSubmatch(root)
		if m == nil || !strings.EqualFold(m[1], want) {
			t.Errorf("app.css %s is %v, config says %s", name, m, want)
		}
	}
	logo, err := fs.ReadFile(static.FS, "img/favicon.svg")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(string(logo)), `fill="`+strings.ToLower(config.BrandColor)+`"`) {
		t.Errorf("favicon.svg is not drawn in %s", config.BrandColor)
	}
}
