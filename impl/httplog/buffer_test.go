package httplog_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/tasks/impl/httplog"
)

// output records each write it is given.
type output struct {
	mu     sync.Mutex
	writes []string
	err    error
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	o.writes = append(o.writes, string(p))
	return len(p), nil
}

func (o *output) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.writes...)
}

func TestBufferHoldsLinesUntilTheDelay(t *testing.T) {
	t.Parallel()
	out := &output{}
	b := httplog.NewBuffer(out)
	defer b.Close()
	logger := slog.New(slog.NewJSONHandler(b, nil))
	logger.Info("one")
	logger.Info("two")
	if w := out.all(); len(w) != 0 {
		t.Fatalf("written before the delay: %q", w)
	}
	deadline := time.Now().Add(10 * httplog.BufferDelay)
	for len(out.all()) == 0 && time.Now().Before(deadline) {
		time.Sleep(httplog.BufferDelay / 10)
	}
	w := out.all()
	if len(w) != 1 || strings.Count(w[0], "\n") != 2 || !strings.Contains(w[0], `"msg":"one"`) || !strings.Contains(w[0], `"msg":"two"`) {
		t.Fatalf("after the delay, got writes %q, want both lines in one", w)
	}
	// The timer is armed again by the next line.
	logger.Info("three")
	for len(out.all()) == 1 && time.Now().Before(deadline.Add(10*httplog.BufferDelay)) {
		time.Sleep(httplog.BufferDelay / 10)
	}
	if w := out.all(); len(w) != 2 || !strings.Contains(w[1], `"msg":"three"`) {
		t.Fatalf("the next line was not written after its delay: %q", w)
	}
}

func TestBufferWritesWholeLinesWhenFull(t *testing.T) {
	t.Parallel()
	out := &output{}
	b := httplog.NewBuffer(out)
	line := strings.Repeat("x", 1000) + "\n"
	n := httplog.BufferSize/len(line) + 1 // one more than fits
	for range n {
		if _, err := b.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	w := out.all()
	if len(w) != 1 || len(w[0]) != (n-1)*len(line) {
		t.Fatalf("got %d writes, want one of the %d lines that fit", len(w), n-1)
	}
	// A line longer than the buffer goes straight out, after what was held.
	long := strings.Repeat("y", httplog.BufferSize+1) + "\n"
	if _, err := b.Write([]byte(long)); err != nil {
		t.Fatal(err)
	}
	w = out.all()
	if len(w) != 3 || w[1] != line || w[2] != long {
		t.Fatalf("got %d writes, want the held line then the long one", len(w))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for _, w := range out.all() {
		if !strings.HasSuffix(w, "\n") {
			t.Fatalf("a write ends inside a line: ...%q", w[max(0, len(w)-10):])
		}
	}
}

func TestBufferCloseWritesEverythingAndStopsHolding(t *testing.T) {
	t.Parallel()
	out := &output{}
	b := httplog.NewBuffer(out)
	_, _ = b.Write([]byte("held\n"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if w := out.all(); len(w) != 1 || w[0] != "held\n" {
		t.Fatalf("Close wrote %q, want the held line", w)
	}
	_, _ = b.Write([]byte("after\n"))
	if w := out.all(); len(w) != 2 || w[1] != "after\n" {
		t.Fatalf("a line after Close was not written at once: %q", w)
	}
}

func TestBufferReportsWriteErrors(t *testing.T) {
	t.Parallel()
	broken := errors.New("disk full")
	out := &output{err: broken}
	b := httplog.NewBuffer(out)
	if _, err := b.Write([]byte("line\n")); err != nil {
		t.Fatalf("a buffered line failed before any write: %v", err)
	}
	if err := b.Flush(); !errors.Is(err, broken) {
		t.Fatalf("Flush = %v, want %v", err, broken)
	}
	if _, err := b.Write([]byte("next\n")); !errors.Is(err, broken) {
		t.Fatalf("Write after a failure = %v, want %v", err, broken)
	}
}

func TestBufferConcurrentLinesStayWhole(t *testing.T) {
	t.Parallel()
	var sink bytes.Buffer
	out := &output{}
	b := httplog.NewBuffer(out)
	logger := slog.New(slog.NewJSONHandler(b, nil))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				logger.Info("request", "g", g, "i", i, "pad", strings.Repeat("p", 100))
			}
		})
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for _, w := range out.all() {
		sink.WriteString(w)
	}
	lines := strings.Split(strings.TrimSuffix(sink.String(), "\n"), "\n")
	if len(lines) != 8*500 {
		t.Fatalf("got %d lines, want %d", len(lines), 8*500)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
			t.Fatalf("a line was cut: %q", l)
		}
	}
}
