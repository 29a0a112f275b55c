// Package models is Hearth's domain: users, their identities, sessions,
// links, mail, audit events and throttles, and the use cases over them
// (CreateUser, Authenticate, ChangePassword, BanUser…). Every exported
// function takes a context and the *DB, and picks the pool itself: the
// writer for a change (in one transaction when it has several steps), the
// reader otherwise. Nothing here is global, nothing here knows HTTP, and
// no text here is shown to a user: use cases return the sentinels of
// errors.go (or an *InvalidInput of them), which handlers turn into words.
//
// A mail that tells of a change is queued in the change's own transaction
// (see Announce): it goes out if and only if the change is committed.
//
// The one rule for SQL: its text is constant. Every SQL string handed to
// GORM (Raw, Exec, Where, Order, Select, Joins, Table…) is made of string
// literals and constants only, joined with + or chosen by Dialect.Pick;
// whatever comes from a request, or from the database, goes in as a ?
// argument, which GORM binds (as $n on PostgreSQL). SQL runs through GORM
// on the handle the function picked (db.Read, db.Write or the transaction's
// tx), never on a *sql.DB; only db.go, which opens the pools, uses
// database/sql. TestSQLTextIsConstant enforces both. (The session cache
// does not depend on the handle: the database's triggers tell it what
// changed, see internal/sessionstore. The session store, outside this
// package, reads sessions and their users past GORM, through UserColumns
// and ScanUser.)
package models
