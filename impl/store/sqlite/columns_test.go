package sqlite

import (
	"database/sql"
	"testing"
	"time"
)

// TestTimeColumns: a resource's time fields (written by make resource as
// timeColumn and optionalTimeColumn) round-trip through SQLite as Unix
// microseconds, and an absent optional time as NULL.
func TestTimeColumns(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (at INTEGER NOT NULL, maybe INTEGER) STRICT`); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, maybe := range []*time.Time{nil, &at} {
		if _, err := db.Exec(`DELETE FROM t`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO t VALUES (?, ?)`, timeColumn{&at}, optionalTimeColumn{&maybe}); err != nil {
			t.Fatal(err)
		}
		var raw int64
		if err := db.QueryRow(`SELECT at FROM t`).Scan(&raw); err != nil || raw != at.UnixMicro() {
			t.Errorf("stored %d, %v; want Unix microseconds %d", raw, err, at.UnixMicro())
		}
		var gotAt time.Time
		gotMaybe := &time.Time{} // a stale value that NULL must clear
		if err := db.QueryRow(`SELECT at, maybe FROM t`).Scan(timeColumn{&gotAt}, optionalTimeColumn{&gotMaybe}); err != nil {
			t.Fatal(err)
		}
		if !gotAt.Equal(at) || gotAt.Location() != time.UTC {
			t.Errorf("at = %v, want %v in UTC", gotAt, at)
		}
		if (maybe == nil) != (gotMaybe == nil) || maybe != nil && !gotMaybe.Equal(*maybe) {
			t.Errorf("maybe = %v, want %v", gotMaybe, maybe)
		}
	}
	if err := (timeColumn{new(time.Time)}).Scan("not a number"); err == nil {
		t.Error("a text value scanned into a time column, want an error")
	}
}
