// Package load holds the API's load and soak test (load_test.go): many
// concurrent clients mixing authorized, unauthorized, forbidden and invalid
// requests against the real handler on loopback, then checks on what they
// left behind. It has no code of its own.
//
//	go test ./impl/load                          the short run in `make test`
//	go test -v ./impl/load -load.requests=200000 -load.concurrency=256   `make load`
package load
