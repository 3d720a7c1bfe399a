// Package gotooltest is for tests that run the go tool on a copy of this
// repository (gonew, `go build`/`go vet` of a copy, `go run` of a generator,
// `make generate`): it copies the tracked tree, and gives the go tool module
// state of its own, so that what the test proves holds on a fresh machine.
//
// Why: the go tool reads modules from GOMODCACHE before any proxy. A machine
// whose cache holds an old zip of this very module (from an earlier gonew
// run, say) made a broken gonew test pass, because gonew read the old zip
// instead of the tree under test. So Env gives each test:
//
//   - GOPATH and GOMODCACHE under its temporary folder, empty: nothing is
//     read from the machine's module cache as a cache;
//   - GOPROXY pointing first at a proxy this package runs in the test
//     process. For the module under test it serves only what the test hands
//     it (the zip gonew reads, made from the working tree) and answers any
//     other request for that module with an error that stops the go tool
//     (a 404 or 410 would let it try the next proxy): no old copy of the
//     module can be read, from anywhere. Every other (third-party) module it
//     serves read-only from the machine's download cache, when that has it,
//     so that a test does not download hundreds of megabytes on every run;
//     what it lacks comes from the machine's GOPROXY as usual. Third-party
//     zips are checked against go.sum (or the checksum database) as they
//     enter the private cache, so a stale or corrupted one cannot pass;
//   - the machine's GOCACHE, shared, with -trimpath: the build cache is
//     content-addressed (each result is keyed by the hash of its inputs:
//     source contents, flags, toolchain), so it cannot return a result for
//     other sources; -trimpath keeps the private module cache's folder out of
//     those keys, so third-party packages compiled once are not compiled
//     again for each test (a cold cache costs minutes: modernc.org/sqlite);
//   - GOWORK=off, GOPRIVATE and GONOPROXY empty (every module goes through
//     the proxies), and -modcacherw so that the test's cleanup can delete
//     the private module cache.
package gotooltest

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/module"
)

// Module is the module under test as the test's proxy serves it: one
// version, its go.mod and its zip (golang.org/x/mod/zip.Create).
type Module struct {
	Version string
	Mod     []byte
	Zip     []byte
}

// machine is the go tool's own settings, read once, before any test
// changes them.
var machine = sync.OnceValues(func() (map[string]string, error) {
	out, err := exec.Command("go", "env", "-json", "GOMODCACHE", "GOPROXY", "GOFLAGS").Output()
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	return env, json.Unmarshal(out, &env)
})

// Env returns the variables (KEY=value) to append to os.Environ() for a go
// command run by t, as the package comment says. modulePath is the module
// under test: the proxy serves it only if served is not nil, and only at
// served.Version.
func Env(t testing.TB, modulePath string, served *Module) []string {
	t.Helper()
	m, err := machine()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	escaped, err := module.EscapePath(modulePath)
	if err != nil {
		t.Fatal(err)
	}
	downloads := ""
	if m["GOMODCACHE"] != "" {
		downloads = filepath.Join(m["GOMODCACHE"], "cache", "download")
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean(r.URL.Path)
		if rest, ok := strings.CutPrefix(p, "/"+escaped+"/@"); ok {
			serveOwn(w, rest, served)
			return
		}
		// A third-party module: from the machine's download cache, or 404
		// (the go tool then asks the next proxy).
		if downloads == "" || strings.Contains(p, "..") || !strings.Contains(p, "/@v/") {
			http.NotFound(w, r)
			return
		}
		data, err := os.ReadFile(filepath.Join(downloads, filepath.FromSlash(p)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(proxy.Close)

	gopath := filepath.Join(t.TempDir(), "gopath")
	goproxy := proxy.URL
	if next := m["GOPROXY"]; next != "" && next != "off" {
		goproxy += "," + next
	}
	flags := strings.TrimSpace(m["GOFLAGS"] + " -modcacherw -trimpath")
	return []string{
		"GOPATH=" + gopath,
		"GOMODCACHE=" + filepath.Join(gopath, "pkg", "mod"),
		"GOPROXY=" + goproxy,
		"GOFLAGS=" + flags,
		"GOWORK=off",
		// Every module through the proxies above: a GOPRIVATE or GONOPROXY
		// pattern of the machine's must not send the module under test
		// elsewhere.
		"GOPRIVATE=",
		"GONOPROXY=",
		// The module under test is in no checksum database.
		"GONOSUMDB=" + modulePath,
	}
}

// serveOwn answers a request for the module under test: rest is what
// follows "@" in the path ("v/list", "v/v1.0.0.zip", "latest").
func serveOwn(w http.ResponseWriter, rest string, served *Module) {
	refuse := func() {
		// 500, not 404: the go tool must not look for it elsewhere.
		http.Error(w, "the module under test is served only from the working tree, at the version the test made", http.StatusInternalServerError)
	}
	if served == nil {
		refuse()
		return
	}
	info, _ := json.Marshal(map[string]string{"Version": served.Version, "Time": "2026-01-01T00:00:00Z"})
	switch rest {
	case "v/list":
		w.Write([]byte(served.Version + "\n"))
	case "latest", "v/" + served.Version + ".info":
		w.Write(info)
	case "v/" + served.Version + ".mod":
		w.Write(served.Mod)
	case "v/" + served.Version + ".zip":
		w.Write(served.Zip)
	default:
		refuse()
	}
}

// Files lists the repository's files under root, relative to it: git's
// tracked files (as they are in the work tree; deleted ones left out) in a
// checkout, else every file but what the fallback below leaves out.
// Untracked files (a `server` binary left by `go build ./cmd/server`) are
// never part of a copy.
func Files(root string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil && bytes.Contains(append([]byte{0}, out...), []byte("\x00go.mod\x00")) {
		var names []string
		for name := range strings.SplitSeq(strings.TrimRight(string(out), "\x00"), "\x00") {
			if _, err := os.Lstat(filepath.Join(root, name)); err == nil {
				names = append(names, name)
			}
		}
		return names, nil
	}
	// No git, or root is not the top of a checkout of this repository:
	// every file but those of .git and of the folders that hold installed or
	// built things, and the binaries `go build ./cmd/NAME` and `go test -c`
	// leave in the root.
	skip := map[string]bool{".git": true, "node_modules": true, "bin": true, "data": true, "out": true}
	binaries := map[string]bool{}
	if cmds, err := os.ReadDir(filepath.Join(root, "cmd")); err == nil {
		for _, c := range cmds {
			binaries[filepath.Join(root, c.Name())] = c.IsDir()
		}
	}
	var names []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (binaries[p] || strings.HasSuffix(p, ".test")) {
			return nil
		}
		if skip[d.Name()] && p != root {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil // a worktree's .git file
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return names, err
}

// CopyTree copies the repository at src (Files) into a new temporary folder
// and returns it. Symbolic links are copied as links.
func CopyTree(t testing.TB, src string) string {
	t.Helper()
	names, err := Files(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("no files to copy in %s", src)
	}
	dst := t.TempDir()
	for _, name := range names {
		from, to := filepath.Join(src, name), filepath.Join(dst, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(from)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			link, err := os.Readlink(from)
			if err == nil {
				err = os.Symlink(link, to)
			}
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, fi.Mode().Perm()|0o200); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
