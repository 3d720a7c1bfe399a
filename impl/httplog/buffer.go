package httplog

import (
	"io"
	"sync"
	"time"
)

// Buffer holds log lines in memory and writes them out together: when it is
// full, at most Delay after the first line it holds, and on Flush or Close.
//
// Written unbuffered, every access-log line is one write(2): in a profile of
// the server under load (make bench-http BENCH_HTTP_PROFILE=…), that system
// call was 60% of what logging the line cost. A Buffer turns thousands of
// writes per second into a few dozen.
//
// What a crash can lose: the lines of the last Delay (at most Size bytes)
// when the process dies without returning from main (SIGKILL, the OOM killer,
// a fatal runtime error). A panic in a handler is recovered and logged like
// any request; a normal shutdown closes the Buffer, which writes everything.
//
// slog has no buffered handler and the standard library no writer that
// flushes on a deadline, hence this one (zap's BufferedWriteSyncer is the
// same idea, but would bring zap for fifty lines).
type Buffer struct {
	mu      sync.Mutex
	out     io.Writer
	buf     []byte
	delay   time.Duration
	timer   *time.Timer // runs Flush Delay after the first buffered line
	pending bool        // timer is armed
	closed  bool
	err     error // the first write error, returned by every later call
}

// Default size and delay of NewBuffer's Buffer, chosen so that a busy
// server writes a few dozen times a second and an idle one shows each line
// within a tenth of a second.
const (
	BufferSize  = 32 << 10
	BufferDelay = 100 * time.Millisecond
)

// NewBuffer returns a Buffer over out with BufferSize and BufferDelay.
func NewBuffer(out io.Writer) *Buffer {
	b := &Buffer{out: out, buf: make([]byte, 0, BufferSize), delay: BufferDelay}
	b.timer = time.AfterFunc(time.Hour, func() { _ = b.Flush() })
	b.timer.Stop()
	return b
}

// Write buffers p, which slog's handlers pass as one whole line, and
// writes the buffer out first if p would not fit. A line longer than the
// buffer is written directly. Lines are never split.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if b.closed {
		// After Close (shutdown), lines go straight out.
		return b.write(p)
	}
	if len(b.buf)+len(p) > cap(b.buf) {
		if _, err := b.write(b.buf); err != nil {
			return 0, err
		}
		b.buf = b.buf[:0]
		if len(p) > cap(b.buf) {
			return b.write(p)
		}
	}
	b.buf = append(b.buf, p...)
	if !b.pending {
		b.pending = true
		b.timer.Reset(b.delay)
	}
	return len(p), nil
}

// Flush writes out what the buffer holds.
func (b *Buffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flush()
}

// Close flushes the buffer and makes every later line go straight out, so
// that what is logged after a shutdown began is never held back.
func (b *Buffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.timer.Stop()
	return b.flush()
}

func (b *Buffer) flush() error {
	b.pending = false
	if b.err != nil || len(b.buf) == 0 {
		return b.err
	}
	_, err := b.write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// write writes p to out, remembering the first failure.
func (b *Buffer) write(p []byte) (int, error) {
	n, err := b.out.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		b.err = err
	}
	return n, err
}
