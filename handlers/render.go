package handlers

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/views/layout"
)

// render renders a component into a buffer first, so a failing template
// becomes the 500 page instead of half a page. Buffers are reused across
// requests (a page is several kilobytes, grown afresh each time otherwise),
// and the length is known, so the response needs no chunked encoding.
func (a *App) render(c echo.Context, status int, comp templ.Component) error {
	buf, _ := a.buffers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = bytes.NewBuffer(make([]byte, 0, 16<<10))
	}
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			a.buffers.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		if clientGone(c, err) {
			return nil
		}
		return err
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// clientGone reports whether err comes from the client having gone away
// (its connection closed, so the request's context was cancelled), which
// is no error of the server's: nothing is written, and the request is
// logged with nginx's 499 (client closed request).
func clientGone(c echo.Context, err error) bool {
	ctx := c.Request().Context()
	if ctx.Err() == nil || !errors.Is(err, context.Canceled) && !errors.Is(err, ctx.Err()) {
		return false
	}
	if res := c.Response(); !res.Committed {
		res.Status = statusClientClosed
	}
	return true
}

// statusClientClosed is the status logged for a request whose client went
// away before the answer (nginx's 499); it is never sent.
const statusClientClosed = 499

// maxPooledBuffer is the largest render buffer kept for reuse; a rare huge
// page (a long admin list) does not pin its memory.
const maxPooledBuffer = 256 << 10

// page is the frame data for the current request: title, signed-in user and
// the pending flash message (which it consumes).
func (a *App) page(c echo.Context, title string) layout.Page {
	p := layout.Page{Title: title, User: currentUser(c), Path: c.Request().URL.Path, Impersonator: impersonator(c), Theme: a.themeOf(c), Here: "/", Now: a.Now()}
	p.Location, p.BrowserTimeZone = a.location(c)
	p.Nav = a.Nav
	if c.Request().Method == http.MethodGet {
		p.Here = c.Request().URL.RequestURI()
	}
	if hasSession(c) {
		p.Flash = a.popFlash(c)
		if p.User != nil {
			p.Orgs, p.ActiveOrg = a.orgSwitcher(c, p.User)
		}
	}
	return p
}

// redirect answers a successful form post: 303 to the next page.
func redirect(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
