package validator

// DefaultMaxBodyBytes is the body size cap a server uses unless configured
// otherwise (--max-body-bytes): 1 MiB, 413 beyond it.
const DefaultMaxBodyBytes = 1 << 20
