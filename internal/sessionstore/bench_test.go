package sessionstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/sessionstore"
)

// go test -run '^$' -bench . -benchmem ./internal/sessionstore/

func BenchmarkSessionStoreFind(b *testing.B) {
	for _, cached := range []bool{true, false} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			db := openTestDB(b)
			ctx := context.Background()
			now := time.Now().UTC()
			u := newUser(b, db, "b@example.com")
			store := newStore(b, db, time.Hour, func() time.Time { return now })
			data, _ := sessionstore.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{sessionstore.UserKey: u.ID})
			for i := range 1000 {
				store.CommitCtx(ctx, fmt.Sprint("token-", i), data, now.Add(time.Hour))
			}
			syncStore(b, store)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if !cached { // the user changed since the last request
					if err := db.Write.Exec("UPDATE users SET updated_at = ? WHERE id = ?", now, u.ID).Error; err != nil {
						b.Fatal(err)
					}
					syncStore(b, store)
				}
				rctx := sessionstore.WithClient(ctx, "192.0.2.1", "bench")
				if _, found, err := store.FindCtx(rctx, fmt.Sprint("token-", i%1000)); !found || err != nil {
					b.Fatal(found, err)
				}
				i++
			}
		})
	}
}

func BenchmarkSessionStoreCommit(b *testing.B) {
	db := openTestDB(b)
	ctx := context.Background()
	now := time.Now().UTC()
	store := newStore(b, db, time.Hour, func() time.Time { return now })
	data, _ := sessionstore.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{"flash": "success|Saved."})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := store.CommitCtx(ctx, fmt.Sprint("token-", i%1000), data, now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
