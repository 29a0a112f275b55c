package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// refoldMigration is migration 00025: searchtext.Fold learnt the letters
// that carry a stroke or are ligatures ("Łukasz" is "lukasz", "Søren" is
// "soren", "Æ" is "ae"), so the search texts 00024 stored for such names
// are written again. Going down leaves them: the new texts are what the
// search of either version finds by typing the plain letters.
func refoldMigration(postgres bool) *goose.Migration {
	m := goose.NewGoMigration(25,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return refoldSearchText(ctx, tx, postgres) }},
		&goose.GoFunc{RunTx: func(context.Context, *sql.Tx) error { return nil }})
	m.Source = "00025_search_text_letters.go"
	return m
}
