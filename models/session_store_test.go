package models_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func TestSessionStoreLifetimeIdleAndRevocation(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	store := models.NewSessionStore(db, time.Hour, clk.Now)
	u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "idle@example.com", Password: "long enough password"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := models.JSONCodec{}.Encode(clk.now.Add(24*time.Hour), map[string]any{models.SessionUserKey: u.ID})

	if err := store.CommitCtx(ctx, "tok-1", data, clk.now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := store.FindCtx(ctx, "tok-1"); !found {
		t.Fatal("fresh session not found")
	}
	// Used every 50 minutes, it stays alive past the idle timeout.
	for range 3 {
		clk.now = clk.now.Add(50 * time.Minute)
		if _, found, err := store.FindCtx(ctx, "tok-1"); !found || err != nil {
			t.Fatalf("active session lost after %v: %v", clk.now, err)
		}
	}
	// Idle for over an hour: gone.
	clk.now = clk.now.Add(61 * time.Minute)
	if _, found, _ := store.FindCtx(ctx, "tok-1"); found {
		t.Fatal("idle session still found")
	}

	// Absolute lifetime.
	store.CommitCtx(ctx, "tok-2", data, clk.now.Add(30*time.Minute))
	clk.now = clk.now.Add(31 * time.Minute)
	if _, found, _ := store.FindCtx(ctx, "tok-2"); found {
		t.Fatal("session found after its expiry")
	}

	// A session without a user lasts minutes, whatever its deadline.
	guest, _ := models.JSONCodec{}.Encode(clk.now.Add(24*time.Hour), map[string]any{"k": "v"})
	store.CommitCtx(ctx, "tok-guest", guest, clk.now.Add(24*time.Hour))
	clk.now = clk.now.Add(models.AnonymousSessionTimeout + time.Second)
	if _, found, _ := store.FindCtx(ctx, "tok-guest"); found {
		t.Fatal("a guest session outlived AnonymousSessionTimeout")
	}

	// A revoked session stays revoked even if a request still in flight
	// commits it afterwards.
	store.CommitCtx(ctx, "tok-3", data, clk.now.Add(time.Hour))
	if err := store.DeleteCtx(ctx, "tok-3"); err != nil {
		t.Fatal(err)
	}
	if err := store.CommitCtx(ctx, "tok-3", data, clk.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := store.FindCtx(ctx, "tok-3"); found {
		t.Fatal("a late commit brought a revoked session back")
	}

	// Cleanup removes expired rows and old tombstones.
	clk.now = clk.now.Add(2 * time.Hour)
	n, err := models.DeleteExpiredSessions(ctx, db, clk.now, time.Hour)
	if err != nil || n != 4 {
		t.Errorf("cleanup deleted %d rows (%v), want 4", n, err)
	}
}

// TestSignOutEverywhereKeepsTheCurrentSession: every other session of the
// user ends at once; the one whose token hash is kept stays.
func TestSignOutEverywhereKeepsTheCurrentSession(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "r@example.com", Password: "long enough password"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	store := models.NewSessionStore(db, time.Hour, func() time.Time { return now })
	data, _ := models.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{models.SessionUserKey: u.ID})
	for _, tok := range []string{"a", "b", "c"} {
		if err := store.CommitCtx(ctx, tok, data, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if sum, _ := models.SummarizeAccount(ctx, db, now, u.ID); sum.ActiveSessions != 3 {
		t.Fatalf("active = %d, want 3", sum.ActiveSessions)
	}
	if err := models.SignOutEverywhere(ctx, db, now, u.ID, models.HashToken("b")); err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]bool{"a": false, "b": true, "c": false} {
		if _, found, _ := store.FindCtx(ctx, tok); found != want {
			t.Errorf("session %s found = %v, want %v", tok, found, want)
		}
	}
}

func TestFindLoadsTheSessionsUserInTheSameQuery(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "join@example.com", Name: "Join", Password: "long enough password"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	store := models.NewSessionStore(db, time.Hour, func() time.Time { return now })
	signedIn, _ := models.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{models.SessionUserKey: u.ID})
	guest, _ := models.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{"flash": "x"})
	store.CommitCtx(ctx, "signed-in", signedIn, now.Add(time.Hour))
	store.CommitCtx(ctx, "guest", guest, now.Add(time.Hour))

	c := &models.Client{}
	if _, found, err := store.FindCtx(models.WithClient(ctx, c), "signed-in"); !found || err != nil {
		t.Fatalf("find: %v %v", found, err)
	}
	if c.User == nil || c.User.ID != u.ID || c.User.Email != "join@example.com" || c.User.Name != "Join" || c.User.CreatedAt.IsZero() {
		t.Fatalf("the session's user was not loaded with it: %+v", c.User)
	}
	g := &models.Client{}
	if _, found, err := store.FindCtx(models.WithClient(ctx, g), "guest"); !found || err != nil || g.User != nil {
		t.Fatalf("guest session: found %v, err %v, user %+v", found, err, g.User)
	}
}

func TestStoredTextIsValidBoundedUTF8(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"Mozilla", "Mozill"},
		{"\xff\xfe", "\uFFFD"},
		{"a\x00b", "ab"},
		{"abcdefgh", "abcdef"},
		{"abcde\u00e9", "abcde"},    // é is two bytes: cut before it, not inside
		{"abc\U0001F600xyz", "abc"}, // an emoji is four
		{"abcd\xff\xffzz", "abcd"},  // the replacement does not fit
	} {
		if got := models.StoredText(tc.in, 6); got != tc.want {
			t.Errorf("StoredText(%q, 6) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := models.StoredText(strings.Repeat("\xe9", 10_000), models.MaxUserAgentLen)
	if !utf8.ValidString(long) || len(long) > models.MaxUserAgentLen {
		t.Errorf("10 KB of invalid bytes became %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}
