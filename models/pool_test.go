package models_test

import (
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestAStatementWaitingForAConnectionDoesNotDeadlockTransactions: with
// every connection of the writer held by a transaction and a statement
// outside them waiting for one, the transactions can still run that same
// statement and commit. (GORM's shared statement cache made them wait for
// the waiting statement's preparation: a deadlock, seen as a request that
// never answered on SQLite's one-connection writer.)
func TestAStatementWaitingForAConnectionDoesNotDeadlockTransactions(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	pool, err := db.Write.DB()
	if err != nil {
		t.Fatal(err)
	}
	const query = "SELECT count(*) FROM users WHERE email = ?"
	txs := make([]*gorm.DB, pool.Stats().MaxOpenConnections)
	for i := range txs {
		if txs[i] = db.Write.Begin(); txs[i].Error != nil {
			t.Fatal(txs[i].Error)
		}
	}
	outside := make(chan error, 1)
	go func() {
		var n int64
		outside <- db.Write.Raw(query, "outside@example.com").Scan(&n).Error
	}()
	for pool.Stats().WaitCount == 0 { // the statement outside is waiting for a connection
		select {
		case err := <-outside:
			t.Fatalf("the statement outside ran without waiting for a connection (%v): the pool is larger than its transactions", err)
		case <-time.After(time.Millisecond):
		}
	}
	inside := make(chan error, 1)
	go func() {
		for _, tx := range txs {
			var n int64
			if err := tx.Raw(query, "inside@example.com").Scan(&n).Error; err != nil {
				tx.Rollback()
				inside <- err
				return
			}
			if err := tx.Commit().Error; err != nil {
				inside <- err
				return
			}
		}
		inside <- nil
	}()
	select {
	case err := <-inside:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second): // a watchdog, not a timing: it takes milliseconds or forever
		t.Fatal("deadlock: the transactions wait for the statement that waits for their connections")
	}
	if err := <-outside; err != nil {
		t.Fatal(err)
	}
}
