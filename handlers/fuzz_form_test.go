package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzFormBodies posts arbitrary bodies to every form endpoint: whatever
// arrives, the answer is never a 5xx.
func FuzzFormBodies(f *testing.F) {
	for _, s := range []string{"email=a%40b.co&password=x", "%", "a=%G1", "name=" + strings.Repeat("é", 300), "email=&email=x",
		"next=%2F%2Fevil&email=a&password=b", "code=123456", "code=%EF%BC%91&token=x", "\x00\xff", "website=x&form_stamp=1.2", strings.Repeat("&", 100)} {
		f.Add(s)
	}
	ta := newTestApp(f)
	c := ta.client(f)
	f.Fuzz(func(t *testing.T, body string) {
		c.t = t
		for _, path := range []string{"/login", "/signup", "/logout", "/login/email", "/login/code", "/login/link"} {
			req, _ := http.NewRequest(http.MethodPost, ta.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if res := c.do(req); res.StatusCode >= 500 {
				t.Fatalf("POST %s %q: status %d", path, body, res.StatusCode)
			}
		}
	})
}
