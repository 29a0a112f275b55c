package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// go test -run '^$' -bench . -benchmem ./models/

func BenchmarkSessionStoreFind(b *testing.B) {
	for _, cached := range []bool{true, false} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			db := openTestDB(b)
			ctx := context.Background()
			now := time.Now().UTC()
			u, err := models.CreateUser(ctx, db, password.NewHasher(1, time.Second), models.NewUser{Email: "b@example.com", Password: "benchmark password"}, nil)
			if err != nil {
				b.Fatal(err)
			}
			store := models.NewSessionStore(db, time.Hour, func() time.Time { return now })
			data, _ := models.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{models.SessionUserKey: u.ID})
			for i := range 1000 {
				store.CommitCtx(ctx, fmt.Sprint("token-", i), data, now.Add(time.Hour))
			}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if !cached {
					db.InvalidateSessions(ctx)
				}
				c := &models.Client{}
				if _, found, err := store.FindCtx(models.WithClient(ctx, c), fmt.Sprint("token-", i%1000)); !found || err != nil {
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
	store := models.NewSessionStore(db, time.Hour, func() time.Time { return now })
	data, _ := models.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{"flash": "success|Saved."})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := store.CommitCtx(ctx, fmt.Sprint("token-", i%1000), data, now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkPasswordVerify(b *testing.B) {
	h := password.NewHasher(1, time.Minute)
	ctx := context.Background()
	hash, _ := h.Hash(ctx, "benchmark password")
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := h.Verify(ctx, hash, "benchmark password"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
