package httpapi_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if its tests leave a goroutine behind: a
// handler stuck after its client left, a server not closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
