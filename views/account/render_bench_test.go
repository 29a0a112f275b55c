package account

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/layout"
)

// go test -run '^$' -bench . -benchmem ./views/account/
func BenchmarkProfilePageRender(b *testing.B) {
	now := time.Now()
	p := layout.Page{Title: "Profile", User: &models.User{ID: "u", Email: "ada@example.com", Name: "Ada Lovelace", Role: "member", EmailVerifiedAt: &now, PasswordHash: "x", CreatedAt: now}}
	d := ProfilePageData{HasPassword: true, Name: "Ada Lovelace"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := ProfilePage(p, d).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
