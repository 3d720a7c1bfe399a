// Package domain holds what the API is about, apart from how it is served
// or stored: each resource's types and the store interface its handlers
// need (tasks.go), and what resources share: the fields of every row
// (record.go), the errors a store returns and its rules for versions and
// timestamps (errors.go), list positions (key.go), and the interface of
// every store together (stores.go).
//
// Every resource's store interface has five methods (TaskStore's are the
// sample) and keeps their contract: Create stores a row whose Record is set but for
// Version and returns it as stored (Version 1, times truncated to
// Precision); Get returns one of owner's rows or ErrNotFound; Update
// replaces a row's fields and UpdatedAt if its version is match (any for
// AnyVersion), the check and the write one atomic step, or returns
// ErrNotFound or ErrVersionMismatch; Delete removes it on the same
// condition; List returns up to limit rows in Key order after a key, and
// whether more follow. A nested resource's methods take its parent's id as
// well (Record.Parent in a row); a parent that is missing, or another
// owner's, is ErrNotFound. A failure to reach the database is wrapped in
// ErrUnavailable. `make resource` writes such an interface.
//
// It imports no HTTP code. The layers above and below it point here: the
// handlers (impl/api) call the store interfaces, and each storage engine
// (impl/store/sqlite, impl/store/postgres) implements them, so neither
// knows the other. A test (layers_test.go) keeps it that way.
package domain
