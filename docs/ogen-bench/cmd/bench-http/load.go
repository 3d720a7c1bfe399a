package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"example.com/tasks/impl/apitest"
)

// load sends n requests of sc to addr over conns keep-alive connections,
// closed loop: each connection sends its next request when it has read the
// answer to the last. Every answer must have the scenario's status; the
// first of each connection is checked in full (Scenario.Check: a list's
// items too), since decoding every list would load the client more than the
// server. It gives up after maxTime.
//
// Written by hand rather than with http.Client so that the client does as
// little as possible on the shared cores: the request's bytes are built
// once, each connection is one goroutine, the answer is parsed by
// http.ReadResponse; no pool, no redirects, no cookie jar.
//
// With asTool (the full-mcp stack), sc is sent as its operation's MCP tool
// call and its answers checked as such (mcp.go).
func load(addr string, sc apitest.Scenario, asTool bool, n, conns int, maxTime time.Duration) error {
	if host, _, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" {
		return fmt.Errorf("refusing to load %q: only 127.0.0.1", addr)
	}
	req := sc.Request()
	want, check := sc.Want, sc.Check
	if asTool { // option:mcp
		r, w, c, err := toolCall(sc) // option:mcp
		if err != nil {              // option:mcp
			return err // option:mcp
		} // option:mcp
		req, want, check = r, w, c // option:mcp
	} // option:mcp
	req.Host = addr
	var raw bytes.Buffer
	if err := req.Write(&raw); err != nil {
		return err
	}
	deadline := time.Now().Add(maxTime)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	var (
		sent atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range conns {
		wg.Go(func() {
			if err := connection(ctx, addr, raw.Bytes(), want, check, int64(n), &sent, deadline); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				cancel() // stop the others
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", sc.Name, errs[0])
	}
	return nil
}

// connection is one client connection of load.
func connection(ctx context.Context, addr string, req []byte, want int, check func(int, []byte) error, n int64, sent *atomic.Int64, deadline time.Time) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	br := bufio.NewReader(conn)
	for first := true; sent.Add(1) <= n; first = false {
		if ctx.Err() != nil {
			return errors.New("stopped: another connection failed or the time limit passed")
		}
		if _, err := conn.Write(req); err != nil {
			return err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if first {
			if err := check(resp.StatusCode, body); err != nil {
				return err
			}
		} else if resp.StatusCode != want {
			return fmt.Errorf("status %d, want %d: %.300s", resp.StatusCode, want, body)
		}
		if resp.Close {
			return errors.New("the server closed the keep-alive connection")
		}
	}
	return nil
}

// cpuTime is the CPU time process pid has used, user and system, from
// /proc/PID/stat (utime and stime, fields 14 and 15, in clock ticks).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: the
	// fields are counted after its closing one, from field 3.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / time.Duration(clockTicks), nil
}

// clockTicks is the kernel's clock ticks per second (sysconf(_SC_CLK_TCK)),
// read from the auxiliary vector (AT_CLKTCK) since Go has no sysconf; 100,
// the value on every Linux ABI Go supports, if it cannot be read.
var clockTicks = func() int64 {
	const atClkTck = 17
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	for ; len(b) >= 16; b = b[16:] {
		if binary.NativeEndian.Uint64(b) == atClkTck {
			if v := int64(binary.NativeEndian.Uint64(b[8:])); v > 0 {
				return v
			}
		}
	}
	return 100
}()
