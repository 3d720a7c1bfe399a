// Package redistest starts a throwaway Redis server for tests: redis-server
// on a free loopback port, with nothing saved to disk, stopped when the test
// ends. It fails with an install hint when the binary is missing: Redis
// tests are never skipped.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// InstallHint says how to get the binary this package needs.
const InstallHint = "redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server; " +
	"macOS: brew install redis) or set REDIS_SERVER to its path"

// Server is a running Redis server that belongs to a test.
type Server struct {
	bin      string
	dir      string
	port     int
	password string
	cmd      *exec.Cmd
}

// New starts a server for t, with password when it is not "", and stops it
// when t ends; it fails t if it cannot.
func New(t testing.TB, password string) *Server {
	t.Helper()
	s, err := Start(password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Start starts a server on a free port of 127.0.0.1, with password when it
// is not "", its files in a new temporary folder. Close stops it.
func Start(password string) (*Server, error) {
	bin := os.Getenv("REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			return nil, errors.New(InstallHint)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, port: port, password: password}
	if err := s.Resume(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Close stops the server and removes its folder.
func (s *Server) Close() error {
	_ = s.Pause()
	return os.RemoveAll(s.dir)
}

// URL is the server's redis:// URL, without the password.
func (s *Server) URL() string { return "redis://127.0.0.1:" + strconv.Itoa(s.port) + "/0" }

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Pause kills the server, as an outage would. Redis keeps nothing on disk
// here, so its state is lost, as with a restart of a cache.
func (s *Server) Pause() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
	return nil
}

// Resume starts the server again on the same port and waits until it
// answers.
func (s *Server) Resume() error {
	if s.cmd != nil {
		return errors.New("redistest: the server is running")
	}
	args := []string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no",
		// DEBUG SLEEP makes the server slow for a test.
		"--enable-debug-command", "local"}
	if s.password != "" {
		args = append(args, "--requirepass", s.password)
	}
	cmd := exec.Command(s.bin, args...)
	log, err := os.Create(s.dir + "/server.log")
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s.ping() == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, _ := os.ReadFile(s.dir + "/server.log")
	_ = s.Pause()
	return fmt.Errorf("redistest: redis-server did not answer within 10s; its log:\n%s", out)
}

// ping speaks just enough RESP to know the server is up: PING (after AUTH).
func (s *Server) ping() error {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(c)
	if s.password != "" {
		fmt.Fprintf(c, "AUTH %s\r\n", s.password)
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
			return fmt.Errorf("redistest: AUTH: %q %v", line, err)
		}
	}
	fmt.Fprint(c, "PING\r\n")
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("redistest: PING: %q", line)
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
