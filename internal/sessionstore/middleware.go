package sessionstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// SyncAfterWrites is Echo middleware for every page: when a request that
// may have written ends (any method but GET and HEAD, or a GET or HEAD that
// wrote through GORM, such as an OAuth callback or a flash popped from the
// session), it waits until this instance's cache has heard of every change
// committed before (Sync), and only then lets the answer go. Routes list it
// outside the session middleware, whose client context (WithClient) carries
// the note of a write, so that the session's own commit comes first.
//
// That is what makes a change seen by the very next request: on SQLite the
// change log is read then, on PostgreSQL this instance's own notice has come
// back through the listener, so every notice before it has too. (Other
// PostgreSQL instances were sent the same notices at the same commits; see
// the README for what that guarantees.)
func (s *Store) SyncAfterWrites(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		ctx := c.Request().Context() // the session middleware's, with the client
		if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead || wroteIn(ctx) {
			switch serr := s.Sync(ctx); {
			case serr == nil || ctx.Err() != nil:
			case errors.Is(serr, ErrSyncSlow):
				s.logger.Debug("session cache sync", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", serr)
			default:
				s.logger.Warn("session cache sync", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", serr)
			}
		}
		return err
	}
}

// noteWrite records that a write committed or is under way: on the
// request's client when there is one (WithClient; SyncAfterWrites syncs as
// the request ends), otherwise on the store (the next lookup syncs first: a
// background job, a tool or a test writing outside any request).
func (s *Store) noteWrite(ctx context.Context) {
	if c, ok := ctx.Value(clientKey{}).(*client); ok {
		c.wrote.Store(true)
		return
	}
	s.outsideWrites.Add(1)
}

// wroteIn reports whether the request of ctx wrote (noteWrite).
func wroteIn(ctx context.Context) bool {
	c, ok := ctx.Value(clientKey{}).(*client)
	return ok && c.wrote.Load()
}

// watchWrites registers callbacks after every GORM write on g that note it
// (noteWrite). They only say when to read the change feed, never what
// changed: that comes from the database, whatever handle or process wrote.
func (s *Store) watchWrites(g *gorm.DB) error {
	name := fmt.Sprintf("sessionstore:note_write:%p", s)
	note := func(tx *gorm.DB) {
		if tx.Statement.Context != nil {
			s.noteWrite(tx.Statement.Context)
		}
	}
	cb := g.Callback()
	if err := cb.Create().After("gorm:create").Register(name, note); err != nil {
		return err
	}
	if err := cb.Update().After("gorm:update").Register(name, note); err != nil {
		return err
	}
	if err := cb.Delete().After("gorm:delete").Register(name, note); err != nil {
		return err
	}
	return cb.Raw().After("gorm:raw").Register(name, note)
}
