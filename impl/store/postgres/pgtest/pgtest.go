// Package pgtest starts a throwaway PostgreSQL server for tests: initdb into
// a temporary folder, pg_ctl start on a free loopback port, stop and removal
// when done. It needs the server binaries, and fails with an install hint
// when they are missing: PostgreSQL tests are never skipped.
//
// initdb refuses to run as root, so as root (a CI container) the server runs
// as the "postgres" user that the Debian package creates.
package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// InstallHint says how to get the binaries this package needs.
const InstallHint = "PostgreSQL server binaries not found: install them (Debian/Ubuntu: apt-get install postgresql; " +
	"macOS: brew install postgresql) or set PG_BIN to the folder holding initdb and pg_ctl"

// Server is a running PostgreSQL server that belongs to the tests.
type Server struct {
	bin   string // folder of initdb and pg_ctl
	dir   string // holds data/ and server.log
	port  int
	owner *user.User // the user the server runs as, if not the current one
}

// New starts a server for t and removes it when t ends; it fails t if it
// cannot.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
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

// Start creates a database cluster in a new temporary folder and starts a
// server on a free port of 127.0.0.1. Close stops it and removes the folder.
func Start() (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir}
	if os.Geteuid() == 0 {
		if s.owner, err = user.Lookup("postgres"); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: running as root, and initdb refuses root: %w (the postgresql package creates this user)", err)
		}
		uid, _ := strconv.Atoi(s.owner.Uid)
		gid, _ := strconv.Atoi(s.owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := s.initdb(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.Resume(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *Server) initdb() error {
	data := filepath.Join(s.dir, "data")
	if err := s.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s.port = port
	// TCP on loopback only, no Unix socket, and durability traded for speed:
	// the data is thrown away.
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"+
		"fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n", port)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// URL is the server's connection URL (user postgres, database postgres).
func (s *Server) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Pause stops the server, keeping its data, as a database outage would.
func (s *Server) Pause() error {
	return s.run("pg_ctl", "stop", "-D", filepath.Join(s.dir, "data"), "-m", "fast", "-w")
}

// Resume starts the server again on the same port with the same data.
func (s *Server) Resume() error {
	err := s.run("pg_ctl", "start", "-D", filepath.Join(s.dir, "data"), "-l", filepath.Join(s.dir, "server.log"), "-w", "-t", "60")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
		return fmt.Errorf("%w\nserver log:\n%s", err, log)
	}
	return nil
}

// Close stops the server and removes its folder.
func (s *Server) Close() error {
	stop := s.run("pg_ctl", "stop", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w")
	if stop != nil {
		stop = fmt.Errorf("pgtest: %w", stop) // it may already be paused; the folder goes anyway
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return err
	}
	if stop != nil && !bytes.Contains([]byte(stop.Error()), []byte("Is server running?")) {
		return stop
	}
	return nil
}

// run runs one of the server's programs as the server's user, in its folder.
func (s *Server) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	if s.owner != nil {
		if err := runAs(cmd, s.owner); err != nil {
			return err
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s %v: %w\n%s", name, args, err, out)
	}
	return nil
}

// findBin finds the folder of initdb and pg_ctl: $PG_BIN, else the newest
// Debian /usr/lib/postgresql/N/bin, else $PATH.
func findBin() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
			return "", fmt.Errorf("pgtest: PG_BIN=%s: %w; %s", dir, err, InstallHint)
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New(InstallHint)
}

// version reads N from /usr/lib/postgresql/N/bin.
func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
