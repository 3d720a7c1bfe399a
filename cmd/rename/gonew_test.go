//go:build gonew

package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"

	"example.com/tasks/impl/gotooltest"
)

// TestGonewCopy starts a fork the Go way, with gonew, from this module as a
// module proxy would serve it (the working tree's tracked files, zipped here
// and served by gotooltest's proxy, since nothing on the network serves
// it), then renames the copy: no old name is left, and it builds and vets.
// Every go command it runs has module state of its own (gotooltest.Env):
// no module cache on the machine can stand in for the tree under test.
// `make check-rename` runs it (-tags gonew).
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

	// The module at v1.0.0, as `go mod download` fetches it.
	served := &gotooltest.Module{Version: "v1.0.0"}
	var zipped bytes.Buffer
	if err := zip.Create(&zipped, module.Version{Path: old.module, Version: served.Version}, moduleFiles(t, root)); err != nil {
		t.Fatal(err)
	}
	served.Zip = zipped.Bytes()
	if served.Mod, err = os.ReadFile(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	vars := gotooltest.Env(t, old.module, served)
	env := append(os.Environ(), vars...)

	// gonew, at the version tools.go pins.
	gonew := filepath.Join(tmp, "gonew")
	build := exec.Command("go", "build", "-o", gonew, "golang.org/x/tools/cmd/gonew")
	build.Dir, build.Env = root, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build gonew: %v\n%s", err, out)
	}
	to := example(old)
	copyDir := filepath.Join(tmp, "fork")
	cmd := exec.Command(gonew, old.module+"@"+served.Version, to.module, copyDir)
	cmd.Dir, cmd.Env = tmp, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gonew: %v\n%s", err, out)
	}

	// The rename runs oapi-codegen with `go run`: the same private state.
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errs bytes.Buffer
	if err := run([]string{"-module", to.module, "-name", to.name, "-env-prefix", to.envPrefix}, copyDir, &out, &errs); err != nil {
		t.Fatalf("rename the gonew copy: %v\n%s%s", err, out.String(), errs.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	for _, re := range leftovers(old) {
		if files := grep(t, copyDir, re); len(files) > 0 {
			t.Errorf("%s is still in %v", re, files)
		}
	}
	vet := exec.Command("go", "vet", "./...")
	vet.Dir, vet.Env = copyDir, env
	if out, err := vet.CombinedOutput(); err != nil {
		t.Errorf("go vet ./... in the renamed gonew copy: %v\n%s", err, out)
	}
}

// moduleFiles lists the files of the module at root as a proxy would zip
// them: the tracked files (gotooltest.Files), without nested modules
// (docs/ogen-bench).
func moduleFiles(t *testing.T, root string) []zip.File {
	t.Helper()
	names, err := gotooltest.Files(root)
	if err != nil {
		t.Fatal(err)
	}
	var nested []string
	for _, name := range names {
		if path.Base(name) == "go.mod" && name != "go.mod" {
			nested = append(nested, path.Dir(name)+"/")
		}
	}
	var files []zip.File
outer:
	for _, name := range names {
		for _, n := range nested {
			if strings.HasPrefix(name, n) {
				continue outer
			}
		}
		files = append(files, file{root, name})
	}
	return files
}

// file is a zip.File on disk.
type file struct{ root, name string }

func (f file) Path() string                 { return f.name }
func (f file) Lstat() (fs.FileInfo, error)  { return os.Lstat(filepath.Join(f.root, f.name)) }
func (f file) Open() (io.ReadCloser, error) { return os.Open(filepath.Join(f.root, f.name)) }
