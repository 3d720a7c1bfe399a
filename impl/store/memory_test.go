package store_test

import (
	"testing"

	"example.com/tasks/impl/store"
	"example.com/tasks/impl/store/storetest"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}
