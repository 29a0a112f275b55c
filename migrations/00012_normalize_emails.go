package migrations

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"

	"github.com/hearth-app/hearth/internal/emailaddr"
)

// normalizeEmailsMigration is migration 00012, in Go because it needs IDNA:
// it rewrites stored addresses to the spelling emailaddr.Normalize gives
// them today. Before it, addresses were lowercased with strings.ToLower and
// Unicode domains were kept as typed, so bob@exämple.com could not sign in
// as bob@xn--exmple-cua.com and someone could sign up under that second
// spelling. Left as they are, for an admin to look at: addresses that do
// not validate now (a local part that is not ASCII) and addresses whose
// normal form another account already holds. Down changes nothing.
func normalizeEmailsMigration(postgres bool) *goose.Migration {
	m := goose.NewGoMigration(12, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return normalizeStoredEmails(ctx, tx, postgres)
	}}, nil)
	m.Source = "00012_normalize_emails.go"
	return m
}

func normalizeStoredEmails(ctx context.Context, tx *sql.Tx, postgres bool) error {
	ph := func(int) string { return "?" }
	if postgres {
		ph = func(n int) string { return fmt.Sprintf("$%d", n) }
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, email FROM users")
	if err != nil {
		return err
	}
	type change struct{ id, email string }
	var changes []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.email); err != nil {
			rows.Close()
			return err
		}
		if n := emailaddr.Normalize(c.email); n != c.email && emailaddr.Validate(n) == nil {
			changes = append(changes, change{c.id, n})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range changes {
		var taken int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE lower(email) = "+ph(1), c.email).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET email = "+ph(1)+" WHERE id = "+ph(2), c.email, c.id); err != nil {
			return fmt.Errorf("normalize the email of user %s: %w", c.id, err)
		}
	}
	return nil
}
