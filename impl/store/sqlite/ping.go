package sqlite

import "context"

// Ping reports whether the database file can still be read, for readiness.
// A plain PingContext succeeds on a pooled connection even when the file has
// become unreadable, so it runs a query that touches the file.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	return s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n)
}
