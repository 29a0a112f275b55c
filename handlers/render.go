package handlers

import (
	"bytes"
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
		return err
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// maxPooledBuffer is the largest render buffer kept for reuse; a rare huge
// page (a long admin list) does not pin its memory.
const maxPooledBuffer = 256 << 10

// page is the frame data for the current request: title, signed-in user and
// the pending flash message (which it consumes).
func (a *App) page(c echo.Context, title string) layout.Page {
	p := layout.Page{Title: title, User: currentUser(c), Path: c.Request().URL.Path, Impersonator: impersonator(c)}
	if hasSession(c) {
		p.Flash = a.popFlash(c)
	}
	return p
}

// redirect answers a successful form post: 303 to the next page.
func redirect(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
