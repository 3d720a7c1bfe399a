package domain

// Stores is every resource's store: what impl/api's handlers are given, and
// what each engine's DB implements (impl/store/backend embeds it, so an
// engine that lacks a method does not compile). Adding a resource embeds
// its store interface here; `make resource` does it.
type Stores interface {
	TaskStore
}
