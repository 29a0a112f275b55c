package sessionstore

import (
	"context"
	"sync/atomic"

	"github.com/hearth-app/hearth/models"
)

// client is who is making the request, for the session index, and the
// session's user once the store has loaded it (in the same query as the
// session: one database round trip per signed-in request, or none).
type client struct {
	ip, userAgent string
	user          *models.User
	wrote         atomic.Bool // the request wrote (noteWrite), for SyncAfterWrites
}

type clientKey struct{}

// WithClient returns a context carrying the request's client address and
// User-Agent, which the store records next to the session (made fit to
// store: models.StoredText), and where it leaves the session's user for
// UserFrom.
func WithClient(ctx context.Context, ip, userAgent string) context.Context {
	return context.WithValue(ctx, clientKey{}, &client{ip: ip, userAgent: userAgent})
}

// UserFrom returns the user of the request's session as the store loaded
// it with the session (a copy of the request's own), or nil for a guest, a
// session not loaded yet, or a context without WithClient.
func UserFrom(ctx context.Context) *models.User {
	if c, ok := ctx.Value(clientKey{}).(*client); ok {
		return c.user
	}
	return nil
}

// clientFrom is the request's address and User-Agent as they are stored.
func clientFrom(ctx context.Context) (ip, userAgent string) {
	c, ok := ctx.Value(clientKey{}).(*client)
	if !ok {
		return "", ""
	}
	return models.StoredText(c.ip, models.MaxIPLen), models.StoredText(c.userAgent, models.MaxUserAgentLen)
}

func setUser(ctx context.Context, u *models.User) {
	if c, ok := ctx.Value(clientKey{}).(*client); ok {
		c.user = u
	}
}
