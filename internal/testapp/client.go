package testapp

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-app/hearth/handlers"
)

// Client is a browser-like client: a cookie jar, no redirect following, and
// the Origin and Sec-Fetch-Site headers a browser sends.
type Client struct {
	T testing.TB
	// Server is the instance it talks to; a test may point it at another
	// one on the same database (a restart, a load balancer): the cookies
	// ignore the port.
	Server *Server
	HTTP   *http.Client
}

// Client returns a new client with an empty cookie jar.
func (s *Server) Client(t testing.TB) *Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &Client{T: t, Server: s, HTTP: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

// Response is a finished response with its body read and parsed.
type Response struct {
	*http.Response
	Body string
	Doc  *goquery.Document
}

// NewFormPost is a form submission as a browser sends it from one of the
// app's own pages at target's origin.
func NewFormPost(target string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req, nil
}

// Do sends req and reads the answer.
func (c *Client) Do(req *http.Request) *Response {
	c.T.Helper()
	if req.URL.Host == c.Server.Listener.Addr().String() && req.Host == req.URL.Host {
		// As a reverse proxy would: the test server answers for the base
		// URL's host, which tests may set to https://app.example.com.
		req.Host = c.Server.App.Config.BaseURL.Host
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.T.Fatalf("read body: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(b)))
	if err != nil {
		c.T.Fatalf("parse html: %v", err)
	}
	return &Response{Response: res, Body: string(b), Doc: doc}
}

// Get loads path as a browser does when the address is typed in.
func (c *Client) Get(path string) *Response {
	c.T.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Server.URL+path, nil)
	if err != nil {
		c.T.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "none")
	return c.Do(req)
}

// Post submits a form to path the way a browser does from one of the app's
// pages.
func (c *Client) Post(path string, form url.Values) *Response {
	c.T.Helper()
	req, err := NewFormPost(c.Server.URL+path, form)
	if err != nil {
		c.T.Fatal(err)
	}
	return c.Do(req)
}

// Submit fetches the page holding the form, copies its hidden fields, fills
// in values, and posts it to the form's action.
func (c *Client) Submit(page, formSelector string, values url.Values) *Response {
	c.T.Helper()
	res := c.Get(page)
	form := res.Doc.Find(formSelector)
	if form.Length() == 0 {
		c.T.Fatalf("GET %s: no form %q in page", page, formSelector)
	}
	data := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		data.Set(name, val)
	})
	for k, v := range values {
		data[k] = v
	}
	action, _ := form.Attr("action")
	return c.Post(action, data)
}

// SessionCookie returns the session cookie in the jar, or nil.
func (c *Client) SessionCookie() *http.Cookie {
	u, _ := url.Parse(c.Server.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == handlers.SessionCookieName {
			return ck
		}
	}
	return nil
}

// SignUp creates an account through the sign-up form; the client is
// signed in. Anything but the 303 of a success fails the test.
func (c *Client) SignUp(email, password string) *Response {
	c.T.Helper()
	res := c.Submit("/signup", "form[action='/signup']", url.Values{"name": {"Test User"}, "email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		c.T.Fatalf("sign up %s: status %d, want 303; errors: %s", email, res.StatusCode, res.Doc.Find(".field-error").Text())
	}
	return res
}

// SignIn submits the sign-in form and returns the answer, whatever it is.
func (c *Client) SignIn(email, password string) *Response {
	c.T.Helper()
	return c.Submit("/login", "form[action='/login']", url.Values{"email": {email}, "password": {password}, "remember": {"yes"}})
}
