// Package domain holds what the API is about, apart from how it is served
// or stored: each resource's types and the store interface its handlers
// need (tasks.go), and what resources share: the errors a store returns and
// its rules for versions and timestamps (errors.go), and list positions
// (key.go).
//
// It imports no HTTP code. The layers above and below it point here: the
// handlers (impl/api) call the store interfaces, and each storage engine
// (impl/store/sqlite, impl/store/postgres) implements them, so neither
// knows the other. A test (layers_test.go) keeps it that way.
package domain
