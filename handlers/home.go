package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/pages"
)

// Home is the landing page.
func (a *App) Home(c echo.Context) error {
	return a.render(c, http.StatusOK, pages.HomePage(a.page(c, "Welcome")))
}

// Healthz answers 200 when the app can read and write its database, 503
// otherwise, and says which failed: "database": "down" when it cannot be
// read at all (an outage); "database": "ok" with "writes": "failing" when
// it reads but a write probe failed or a request met a database failure in
// the last healthWriteWindow (a full disk, a read-only standby).
func (a *App) Healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	c.Response().Header().Set("Cache-Control", "no-store")
	if err := a.DB.Ping(ctx); err != nil {
		a.Logger.Error("health check failed", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "down"})
	}
	wctx, wcancel := context.WithTimeout(ctx, time.Second)
	defer wcancel()
	err := models.ProbeWrite(wctx, a.DB, a.Now())
	if err == nil {
		err = a.health.recent(a.Now())
	}
	if err != nil {
		a.Logger.Error("health check: writes fail", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "ok", "writes": "failing"})
	}
	hits, misses := a.SessionStore.Stats()
	return c.JSON(http.StatusOK, health{Status: "ok", Database: "ok", Writes: "ok",
		SessionCache: sessionCacheHealth{On: a.SessionStore.Live(), Hits: hits, Misses: misses}})
}

// health is /healthz's answer when all is well. SessionCache tells an
// operator whether this instance caches sessions (on PostgreSQL: whether
// its listener is connected) and how often the cache served a request.
type health struct {
	Status       string             `json:"status"`
	Database     string             `json:"database"`
	Writes       string             `json:"writes"`
	SessionCache sessionCacheHealth `json:"session_cache"`
}

type sessionCacheHealth struct {
	On     bool  `json:"on"`
	Hits   int64 `json:"hits"`
	Misses int64 `json:"misses"`
}

// healthWriteWindow is how long a request's database failure keeps
// /healthz at 503 (a write probe may fit where a real write does not).
const healthWriteWindow = 30 * time.Second

// dbHealth remembers the last database failure a request met.
type dbHealth struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

func (h *dbHealth) failed(now time.Time, err error) {
	h.mu.Lock()
	h.at, h.err = now, err
	h.mu.Unlock()
}

// recent is the last failure if it happened within healthWriteWindow.
func (h *dbHealth) recent(now time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err == nil || now.Sub(h.at) > healthWriteWindow {
		return nil
	}
	return h.err
}
