//go:build gonew

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// TestGonewCopy starts a fork the Go way, with gonew, from this module as a
// module proxy would serve it (a file:// proxy made here, since nothing on
// the network serves it), then renames the copy: no old name is left, and
// it builds and vets. `make check-rename` runs it (-tags gonew).
func TestGonewCopy(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := current(root)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()

	// The proxy: the module at v1.0.0, as `go mod download` fetches it.
	const version = "v1.0.0"
	dir := filepath.Join(tmp, "proxy", old.module, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := zip.Create(zf, module.Version{Path: old.module, Version: version}, moduleFiles(t, root)); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]any{"Version": version, "Time": time.Now().UTC()})
	for name, data := range map[string][]byte{version + ".mod": gomod, version + ".info": info, "list": []byte(version + "\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// gonew, at the version tools.go pins, from the proxy.
	gonew := filepath.Join(tmp, "gonew")
	if out, err := exec.Command("go", "build", "-o", gonew, "golang.org/x/tools/cmd/gonew").CombinedOutput(); err != nil {
		t.Fatalf("build gonew: %v\n%s", err, out)
	}
	const newModule = "example.com/acme/orders-api"
	copyDir := filepath.Join(tmp, "orders-api")
	cmd := exec.Command(gonew, old.module+"@"+version, newModule, copyDir)
	cmd.Env = append(os.Environ(), "GOPROXY=file://"+filepath.Join(tmp, "proxy"), "GONOSUMDB="+old.module, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gonew: %v\n%s", err, out)
	}

	var out, errs bytes.Buffer
	if err := run([]string{"-module", newModule, "-name", "Orders API", "-env-prefix", "ORDERS"}, copyDir, &out, &errs); err != nil {
		t.Fatalf("rename the gonew copy: %v\n%s%s", err, out.String(), errs.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	for _, s := range []string{old.module + "/", old.module + "\n", old.name, old.envPrefix + "_"} {
		if files := grep(t, copyDir, s); len(files) > 0 {
			t.Errorf("%q is still in %v", s, files)
		}
	}
	vet := exec.Command("go", "vet", "./...")
	vet.Dir = copyDir
	if out, err := vet.CombinedOutput(); err != nil {
		t.Errorf("go vet ./... in the renamed gonew copy: %v\n%s", err, out)
	}
}

// moduleFiles lists the files of the module at root as a proxy would zip
// them: git's tracked files, without nested modules (docs/ogen-bench).
func moduleFiles(t *testing.T, root string) []zip.File {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	list, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	var nested []string
	for name := range strings.SplitSeq(string(list), "\x00") {
		if filepath.Base(name) == "go.mod" && name != "go.mod" {
			nested = append(nested, filepath.Dir(name)+"/")
		}
	}
	var files []zip.File
outer:
	for name := range strings.SplitSeq(strings.TrimRight(string(list), "\x00"), "\x00") {
		for _, n := range nested {
			if strings.HasPrefix(name, n) {
				continue outer
			}
		}
		if _, err := os.Lstat(filepath.Join(root, name)); err == nil {
			files = append(files, file{root, name})
		}
	}
	return files
}

// file is a zip.File on disk.
type file struct{ root, name string }

func (f file) Path() string                 { return f.name }
func (f file) Lstat() (fs.FileInfo, error)  { return os.Lstat(filepath.Join(f.root, f.name)) }
func (f file) Open() (io.ReadCloser, error) { return os.Open(filepath.Join(f.root, f.name)) }
