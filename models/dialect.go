package models

import "gorm.io/gorm"

// Dialect is the SQL the database speaks. SQL that differs between the two
// is chosen with Pick, so both spellings sit side by side.
type Dialect string

// The databases Hearth runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Pick returns the SQL written for this dialect.
func (d Dialect) Pick(sqlite, postgres string) string {
	if d == Postgres {
		return postgres
	}
	return sqlite
}

// dialectOf is the dialect of the database tx works on.
func dialectOf(tx *gorm.DB) Dialect {
	if tx.Dialector.Name() == string(Postgres) {
		return Postgres
	}
	return SQLite
}
