package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"
)

// Background jobs: work a request starts but does not wait for, so that its
// answer takes the same time whatever the work turns out to be (the
// forgot-password lookup and mail).
const (
	backgroundSlots   = 8                // jobs running at once; more requests wait for a slot
	backgroundTimeout = 30 * time.Second // a job's own deadline
)

// inBackground runs job after the request, with a context of its own (the
// request's ends with the answer). The request waits for one of
// backgroundSlots free slots, so a flood slows requests down instead of
// piling up goroutines. Errors and panics are logged with the request id.
func (a *App) inBackground(c echo.Context, name string, job func(context.Context) error) error {
	select {
	case a.jobSlots <- struct{}{}:
	case <-c.Request().Context().Done():
		return c.Request().Context().Err()
	}
	requestID := c.Get(ctxRequestID)
	a.jobs.Go(func() {
		defer func() { <-a.jobSlots }()
		defer func() {
			if p := recover(); p != nil {
				a.Logger.Error(name, "request_id", requestID, "err", fmt.Sprint("panic: ", p))
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), backgroundTimeout)
		defer cancel()
		if err := job(ctx); err != nil {
			a.Logger.Error(name, "request_id", requestID, "err", err)
		}
	})
	return nil
}

// WaitBackground waits until every background job has finished, or ctx
// ends. Call it after the server has stopped taking requests.
func (a *App) WaitBackground(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		a.jobs.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("background jobs still running: %w", ctx.Err())
	}
}
