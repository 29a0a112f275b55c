package sessionstore_test

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/internal/testdb"
	"github.com/hearth-app/hearth/models"
)

// TestTheStoreLoadsEveryColumnOfUser: the session's user, loaded in the
// session's query, is the whole user. It fails when the users table or the
// User type gains a column models.UserColumns does not list, or a field
// models.ScanUser does not fill: a new security field (say TOTPEnabledAt)
// would otherwise read as zero on every request while UserByID sees it.
func TestTheStoreLoadsEveryColumnOfUser(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	listed := strings.Split(models.UserColumns(""), ", ")
	sort.Strings(listed)

	// The table's columns, but the search's folded text, which no reader of
	// a user needs.
	q := "SELECT name FROM pragma_table_info('users')"
	if testdb.Postgres() {
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users'"
	}
	var table []string
	if err := db.Read.Raw(q).Scan(&table).Error; err != nil {
		t.Fatal(err)
	}
	table = slices.DeleteFunc(table, func(c string) bool { return slices.Contains(models.UnloadedUserColumns(), c) })
	sort.Strings(table)
	if !slices.Equal(table, listed) {
		t.Errorf("users has columns %v, models.UserColumns lists %v", table, listed)
	}

	// The struct's fields, as GORM maps them.
	s, err := schema.Parse(&models.User{}, &sync.Map{}, db.Write.NamingStrategy)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, f := range s.Fields {
		if f.DBName != "" {
			fields = append(fields, f.DBName)
		}
	}
	sort.Strings(fields)
	if !slices.Equal(fields, listed) {
		t.Errorf("models.User maps to columns %v, models.UserColumns lists %v", fields, listed)
	}

	// Every field, set to a value of its own, comes back through the
	// session's query as models.UserByID reads it.
	want := filledUser(t)
	if err := db.Write.Create(want).Error; err != nil {
		t.Fatal(err)
	}
	byID, err := models.UserByID(ctx, db, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	store := newStore(t, db, time.Hour, func() time.Time { return now })
	data, _ := sessionstore.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{sessionstore.UserKey: want.ID})
	if err := store.CommitCtx(ctx, "every-column", data, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, pass := range []string{"from the database", "from the cache"} {
		rctx := sessionstore.WithClient(ctx, "", "")
		if _, found, err := store.FindCtx(rctx, "every-column"); !found || err != nil {
			t.Fatalf("find: %v %v", found, err)
		}
		got := sessionstore.UserFrom(rctx)
		if got == nil {
			t.Fatalf("%s: no user", pass)
		}
		gv, bv := reflect.ValueOf(*got), reflect.ValueOf(*byID)
		for i := range gv.NumField() {
			name := gv.Type().Field(i).Name
			if !sameValue(gv.Field(i), bv.Field(i)) {
				t.Errorf("%s: User.%s = %v, UserByID has %v", pass, name, gv.Field(i), bv.Field(i))
			}
			if !reflect.ValueOf(*want).Field(i).IsZero() && gv.Field(i).IsZero() {
				t.Errorf("%s: User.%s was not loaded", pass, name)
			}
		}
	}
}

// filledUser is a User with every field set to a non-zero value of its
// own. A field of a kind it does not know fails the test: teach it.
func filledUser(t *testing.T) *models.User {
	t.Helper()
	u := &models.User{}
	v := reflect.ValueOf(u).Elem()
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch p := f.Addr().Interface().(type) {
		case *string:
			*p = strings.ToLower("v-" + name + "@example.com")
		case *bool:
			*p = true
		case *int, *int64:
			f.SetInt(int64(i + 1))
		case *time.Time:
			*p = base.Add(time.Duration(i) * time.Hour)
		case **time.Time:
			at := base.Add(time.Duration(i) * time.Hour)
			*p = &at
		default:
			t.Fatalf("filledUser: User.%s is a %v: give it a value here", name, f.Type())
		}
	}
	return u
}

func sameValue(a, b reflect.Value) bool {
	switch x := a.Interface().(type) {
	case time.Time:
		return x.Equal(b.Interface().(time.Time))
	case *time.Time:
		y := b.Interface().(*time.Time)
		return (x == nil) == (y == nil) && (x == nil || x.Equal(*y))
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// TestEveryTableReferencingUsersTellsTheCache: the cache trusts what it
// holds about a user until the database says the user changed. A table
// that references users (sessions, identities, tokens; tomorrow passkeys
// or memberships) must say so through triggers on insert, update and
// delete (migration 00013 shows how), or its changes would go unseen.
func TestEveryTableReferencingUsersTellsTheCache(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	var tables []string
	q := `SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = 'users'`
	if testdb.Postgres() {
		// pg_catalog, not information_schema: its views check privileges on
		// every schema's relations, and other tests drop theirs meanwhile
		// ("could not open relation with OID").
		q = `SELECT DISTINCT c.relname FROM pg_constraint con
			JOIN pg_class c ON c.oid = con.conrelid
			JOIN pg_class r ON r.oid = con.confrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE con.contype = 'f' AND n.nspname = current_schema() AND r.relname = 'users' AND r.relnamespace = n.oid`
	}
	if err := db.Read.Raw(q).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	tables = append(tables, "users")
	if len(tables) < 4 {
		t.Fatalf("tables referencing users: %v; expected at least sessions, identities and user_tokens", tables)
	}
	for _, table := range tables {
		var events []string
		q := `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql LIKE '%cache_changes%'`
		if testdb.Postgres() {
			q = `SELECT def FROM (SELECT pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
				JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE NOT t.tgisinternal AND n.nspname = current_schema() AND c.relname = ?) d
				WHERE def LIKE '%hearth_cache_%'`
		}
		if err := db.Read.Raw(q, table).Scan(&events).Error; err != nil {
			t.Fatal(err)
		}
		all := strings.ToUpper(strings.Join(events, " "))
		want := []string{"INSERT", "UPDATE", "DELETE"}
		if table == "users" {
			want = want[1:] // nothing is cached for a user before their row exists
		}
		for _, ev := range want {
			if !strings.Contains(all, ev) {
				t.Errorf("table %s references users but no trigger tells the session cache of its %s", table, ev)
			}
		}
	}
}

// TestAChangeDropsOnlyWhatItTouches: a change to one user, written by
// another process, reaches the cache and drops that user's session alone;
// a write to a table nothing cached depends on drops nothing.
func TestAChangeDropsOnlyWhatItTouches(t *testing.T) {
	t.Parallel()
	dsn := testdb.DSN(t)
	db, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	store := newStore(t, db, time.Hour, func() time.Time { return now })
	alice, bob := newUser(t, db, "alice@example.com"), newUser(t, db, "bob@example.com")
	for tok, u := range map[string]*models.User{"alice": alice, "bob": bob} {
		data, _ := sessionstore.JSONCodec{}.Encode(now.Add(time.Hour), map[string]any{sessionstore.UserKey: u.ID})
		if err := store.CommitCtx(ctx, tok, data, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	syncStore(t, store) // the sign-ups and sessions themselves
	find := func(tok string) (*models.User, bool) {
		t.Helper()
		hits, _ := store.Stats()
		rctx := sessionstore.WithClient(ctx, "", "")
		if _, found, err := store.FindCtx(rctx, tok); !found || err != nil {
			t.Fatalf("find %s: %v %v", tok, found, err)
		}
		h, _ := store.Stats()
		return sessionstore.UserFrom(rctx), h > hits
	}
	warm := func() {
		t.Helper()
		for _, tok := range []string{"alice", "bob"} {
			find(tok)
			if _, hit := find(tok); !hit {
				t.Fatalf("%s's session is not cached", tok)
			}
		}
	}
	warm()

	// Another process (the CLI, a script) renames Alice.
	other, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Write.Exec("UPDATE users SET name = 'Renamed' WHERE id = ?", alice.ID).Error; err != nil {
		t.Fatal(err)
	}
	syncStore(t, store)
	if u, hit := find("alice"); hit || u.Name != "Renamed" {
		t.Fatalf("alice after the change: hit %v, name %q", hit, u.Name)
	}
	if _, hit := find("bob"); !hit {
		t.Fatal("a change to alice dropped bob's session")
	}

	// Writes nothing cached depends on (an app secret here; audit rows,
	// throttle buckets and mail alike) drop nothing.
	warm()
	if _, err := models.AppSecret(ctx, other, "unrelated"); err != nil {
		t.Fatal(err)
	}
	syncStore(t, store)
	for _, tok := range []string{"alice", "bob"} {
		if _, hit := find(tok); !hit {
			t.Fatalf("an unrelated write dropped %s's session", tok)
		}
	}

	// Without anyone asking, a change from another process arrives within
	// moments (SQLite's change log is read a few times a second; PostgreSQL
	// notifies).
	if err := other.Write.Exec("UPDATE users SET name = 'Again' WHERE id = ?", bob.ID).Error; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "bob's change", func() bool { u, _ := find("bob"); return u.Name == "Again" })
}

// TestRememberHandsOutCopies: a remembered value is each caller's own, a
// type that could share memory needs a copy function, and a change to the
// user forgets it.
func TestRememberHandsOutCopies(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	store := newStore(t, db, time.Hour, nil)
	u := newUser(t, db, "memo@example.com")
	syncStore(t, store)
	loads := 0
	load := func() ([]string, error) { loads++; return []string{"github"}, nil }
	if _, err := sessionstore.Remember(store, u.ID, "shared", load, nil); err == nil {
		t.Fatal("a slice was remembered without a copy function")
	}
	a, err := sessionstore.Remember(store, u.ID, "providers", load, slices.Clone)
	if err != nil {
		t.Fatal(err)
	}
	a[0] = "changed by a caller"
	b, _ := sessionstore.Remember(store, u.ID, "providers", load, slices.Clone)
	if b[0] != "github" || loads != 2 {
		t.Fatalf("second caller got %v after %d loads", b, loads)
	}
	if err := db.Write.Exec("UPDATE users SET name = 'x' WHERE id = ?", u.ID).Error; err != nil {
		t.Fatal(err)
	}
	syncStore(t, store)
	if _, err := sessionstore.Remember(store, u.ID, "providers", load, slices.Clone); err != nil || loads != 3 {
		t.Fatalf("after a change to the user: %d loads, %v", loads, err)
	}
	type plain struct{ N int }
	if _, err := sessionstore.Remember(store, u.ID, "count", func() (plain, error) { return plain{3}, nil }, nil); err != nil {
		t.Fatal(err)
	}
}
