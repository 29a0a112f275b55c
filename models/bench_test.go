package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/password"
)

// go test -run '^$' -bench . -benchmem ./models/

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
