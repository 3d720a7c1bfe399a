package gotooltest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// TestStaleModuleIsNeverRead is the fresh-machine property: the machine's
// module cache holds an old zip of the module under test (what made a
// broken gonew test pass); a go command run with Env never reads it. Asked
// for the module when the test serves none, it fails; when the test serves
// the module, it gets the test's zip.
func TestStaleModuleIsNeverRead(t *testing.T) {
	const path, version = "example.org/stale", "v1.0.0"
	mv := module.Version{Path: path, Version: version}
	zipOf := func(file string) []byte {
		dir := t.TempDir()
		for name, data := range map[string]string{"go.mod": "module " + path + "\n", file: "x\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if err := zip.CreateFromDir(&b, mv, dir); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}

	// The machine: its module cache holds the stale module, in the download
	// cache as `go mod download` leaves it; no network proxy.
	machineCache := t.TempDir()
	dl := filepath.Join(machineCache, "cache", "download", path, "@v")
	if err := os.MkdirAll(dl, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		version + ".info": []byte(`{"Version":"` + version + `"}`),
		version + ".mod":  []byte("module " + path + "\n"),
		version + ".zip":  zipOf("stale.txt"),
		"list":            []byte(version + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dl, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOMODCACHE", machineCache)
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOPRIVATE", path) // which would send it past any proxy
	t.Setenv("GOFLAGS", "-modcacherw")

	run := func(env []string) (string, error) {
		cmd := exec.Command("go", "mod", "download", "-json", path+"@"+version)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	download := func(served *Module) (string, error) { return run(Env(t, path, served)) }

	// The trap is real: without Env, the go tool reads the stale zip.
	var got struct{ Dir string }
	out, err := run([]string{"GONOSUMDB=" + path})
	if err == nil {
		err = json.Unmarshal([]byte(out), &got)
	}
	if err == nil {
		_, err = os.Stat(filepath.Join(got.Dir, "stale.txt"))
	}
	if err != nil {
		t.Errorf("test bug: without Env, go mod download does not read the stale module from the machine's cache: %v\n%s", err, out)
	}

	out, err = download(nil)
	if err == nil || !strings.Contains(out, "served only from the working tree") {
		t.Errorf("with no module served, go mod download = %v, want the proxy's refusal:\n%s", err, out)
	}

	out, err = download(&Module{Version: version, Mod: []byte("module " + path + "\n"), Zip: zipOf("fresh.txt")})
	if err != nil {
		t.Fatalf("go mod download of the served module: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(got.Dir, "fresh.txt")); err != nil {
		t.Errorf("go mod download did not get the served zip: %v", err)
	}
	if strings.HasPrefix(got.Dir, machineCache) {
		t.Errorf("the module was extracted into the machine's cache (%s)", got.Dir)
	}
}

// TestFiles: a copy holds the tracked files only, in a checkout; outside
// one, neither what is installed nor what `go build ./cmd/NAME` left.
func TestFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, name := range []string{"go.mod", "cmd/server/main.go", "server", "x.test", "e2e/node_modules/p/index.js", "bin/server"} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := Files(root); err != nil || strings.Join(got, " ") != "cmd/server/main.go go.mod" {
		t.Errorf("without git, Files = %q, %v; want cmd/server/main.go and go.mod", got, err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed (make test copies and checks tracked files): ", err)
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "go.mod", "cmd/server/main.go", "x.test"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	// Tracked (if oddly) x.test is copied; the untracked server is not.
	if got, err := Files(root); err != nil || strings.Join(got, " ") != "cmd/server/main.go go.mod x.test" {
		t.Errorf("in a checkout, Files = %q, %v; want the tracked files", got, err)
	}
}
