//go:build guards

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"

	"example.com/tasks/impl/gotooltest"
)

// TestGenerateRunsWhatTheForkOwns is the spec-first loop on a fork whose
// spec uses what the ogen comparison cannot generate: in a copy of the
// tracked tree, openapi.yaml gets an openIdConnect scheme (ogen: `Feature
// "openIdConnect security" is not implemented yet`) and an http DPoP scheme,
// each accepted by every secured operation. Then
//
//   - `make generate` succeeds, regenerates gen/, prints no third-party
//     warning, and leaves docs/ogen-bench alone;
//   - `make check-generated` passes: gen/ is checked against openapi.yaml,
//     docs/ogen-bench/api/ against its own frozen copy of the spec;
//   - `make -C docs/ogen-bench refresh-spec` fails, as ogen cannot generate
//     that spec, and changes nothing.
//
// Every go command has module state of its own (gotooltest.Env). The
// TypeScript half runs too: e2e/node_modules is a link to this tree's, which
// `make unit` installs with npm ci; make is told (-o) not to rebuild it, so
// nothing writes through the link, and openapi-typescript only reads it.
func TestGenerateRunsWhatTheForkOwns(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not installed (apt-get install make): %v", err)
	}
	src, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	const npmStamp = "e2e/node_modules/.package-lock.json" // the Makefile's NPM_CI
	if _, err := os.Stat(filepath.Join(src, npmStamp)); err != nil {
		t.Fatalf("the npm packages are not installed: run `make unit`, or `npm ci` in e2e (%v)", err)
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	dir := gotooltest.CopyTree(t, src)
	if err := os.Symlink(filepath.Join(src, "e2e", "node_modules"), filepath.Join(dir, "e2e", "node_modules")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), gotooltest.Env(t, modfile.ModulePath(gomod), nil)...)

	spec := filepath.Join(dir, "openapi.yaml")
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	edited := string(data)
	for _, e := range []struct{ from, to string }{
		// Every secured operation accepts the two new schemes too.
		{"security:\n  - bearerAuth: []\n", "security:\n  - bearerAuth: []\n  - openId: []\n  - dpop: []\n"},
		{"      security:\n        - bearerAuth: []\n", "      security:\n        - openId: []\n        - dpop: []\n        - bearerAuth: []\n"},
		{"  securitySchemes:\n", `  securitySchemes:
    openId:
      type: openIdConnect
      description: Tokens from the identity provider, found by OpenID Connect discovery.
      openIdConnectUrl: https://idp.example.com/.well-known/openid-configuration
    dpop:
      type: http
      description: DPoP-bound access tokens (RFC 9449).
      scheme: DPoP
`},
	} {
		if !strings.Contains(edited, e.from) {
			t.Fatalf("test bug: %q is not in openapi.yaml", e.from)
		}
		edited = strings.ReplaceAll(edited, e.from, e.to)
	}
	if err := os.WriteFile(spec, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	ogenBefore := snapshot(t, filepath.Join(dir, "docs", "ogen-bench"))
	genBefore, err := os.ReadFile(filepath.Join(dir, "gen", "gen.go"))
	if err != nil {
		t.Fatal(err)
	}

	makeIn := func(args ...string) (string, error) {
		start := time.Now()
		cmd := exec.Command("make", append([]string{"-o", npmStamp}, args...)...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		t.Logf("make %s: %.1fs", strings.Join(args, " "), time.Since(start).Seconds())
		return string(out), err
	}
	out, err := makeIn("generate")
	if err != nil {
		t.Fatalf("make generate: %v\n%s", err, out)
	}
	if strings.Contains(out, "WARN") || strings.Contains(out, "ogen-bench") {
		t.Errorf("make generate ran more than the fork's generators, or printed their warnings:\n%s", out)
	}
	if genAfter, _ := os.ReadFile(filepath.Join(dir, "gen", "gen.go")); bytes.Equal(genBefore, genAfter) {
		t.Error("make generate did not regenerate gen/gen.go from the edited spec")
	}
	if !bytes.Equal(ogenBefore, snapshot(t, filepath.Join(dir, "docs", "ogen-bench"))) {
		t.Error("make generate changed docs/ogen-bench")
	}

	if out, err := makeIn("-s", "check-generated"); err != nil {
		t.Errorf("make check-generated after make generate: %v\n%s", err, out)
	}

	out, err = makeIn("-s", "-C", "docs/ogen-bench", "refresh-spec")
	if err == nil || !strings.Contains(out, "openIdConnect") {
		t.Errorf("refresh-spec of a spec with openIdConnect = %v, want ogen's refusal:\n%s", err, out)
	}
	if !bytes.Equal(ogenBefore, snapshot(t, filepath.Join(dir, "docs", "ogen-bench"))) {
		t.Error("the failed refresh-spec changed docs/ogen-bench")
	}
}

// snapshot returns the names and contents of the files under dir, in one
// byte slice to compare.
func snapshot(t *testing.T, dir string) []byte {
	t.Helper()
	var b bytes.Buffer
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		b.WriteString(path + "\x00")
		b.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
