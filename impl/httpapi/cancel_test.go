package httpapi_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store/sqlite"
)

// blockingStore is a real database whose ListTasks waits until the request's
// context ends, as a slow query would, and reports why it stopped.
type blockingStore struct {
	*sqlite.DB
	once    sync.Once
	entered chan struct{}
	stopped chan error
}

func (s *blockingStore) ListTasks(ctx context.Context, _ string, _ *domain.Key, _ int) ([]domain.Task, bool, error) {
	s.once.Do(func() { close(s.entered) })
	<-ctx.Done()
	s.stopped <- ctx.Err()
	return nil, false, ctx.Err()
}

// TestClientDisconnectStopsWork checks that when a client goes away, the work
// done for it is cancelled: the store sees its context end.
func TestClientDisconnectStopsWork(t *testing.T) {
	t.Parallel()
	db, err := sqlite.OpenMemory(t.Context(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := &blockingStore{DB: db, entered: make(chan struct{}), stopped: make(chan error, 1)}
	srv := apitest.NewServer(t, apitest.Config{API: apitest.API(t, st)})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := make(chan error, 1)
	go func() {
		_, err := srv.Client.ListTasks(ctx, nil, apitest.Bearer(apitest.AliceToken))
		sent <- err
	}()
	select {
	case <-st.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the store")
	}
	cancel() // the client hangs up
	if err := <-sent; !errors.Is(err, context.Canceled) {
		t.Errorf("client error = %v, want context.Canceled", err)
	}
	select {
	case err := <-st.stopped:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the store's context ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the store kept working 10s after the client left")
	}
	// The access log says the client left; it is no server error.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(srv.Logs.String(), `"status":499`) {
		if time.Now().After(deadline) {
			t.Fatalf("no 499 in the access log:\n%s", srv.Logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if logs := srv.Logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("a client leaving was logged as an error:\n%s", logs)
	}
}
