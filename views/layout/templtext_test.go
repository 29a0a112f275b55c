package layout_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// templCallAsText is a component call that templ took for text: a call
// like `since @p.Ago(t)` written in the middle of a line of text, which the
// page then shows as "@p.Ago(t)". templ calls a component only at the
// start of a line.
var templCallAsText = regexp.MustCompile(`WriteString\(templ_\w+_Buffer, \d+, "[^"]*@[A-Za-z_][\w.]*\(`)

// TestNoComponentCallIsRenderedAsText reads every generated view and
// fails where a component call became literal text.
func TestNoComponentCallIsRenderedAsText(t *testing.T) {
	files, err := filepath.Glob("../*/*_templ.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated views found (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templCallAsText.FindAll(b, -1) {
			t.Errorf("%s: a component call is written as text: %s", f, m)
		}
	}
}
