package postgres

import "context"

// Ping reports whether the database answers, for readiness.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }
