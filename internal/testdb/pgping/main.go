// Command pgping exits 0 when the PostgreSQL named by HEARTH_TEST_POSTGRES_URL
// answers within two seconds; `make test` uses it to decide whether to run
// the PostgreSQL pass.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	url := os.Getenv("HEARTH_TEST_POSTGRES_URL")
	if url == "" {
		fmt.Fprintln(os.Stderr, "pgping: HEARTH_TEST_POSTGRES_URL is empty")
		os.Exit(1)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgping: %v\n", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "pgping: %v\n", err)
		os.Exit(1)
	}
}
