// Command mint-token makes a random bearer token and prints the entry that
// grants it in a --tokens-file. The token itself is printed once, to stderr,
// and stored nowhere; the entry holds only its SHA-256 digest.
//
//	go run ./cmd/mint-token -subject alice -scopes tasks:read,tasks:write >> tokens.yaml
package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/spec"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mint-token:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mint-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	subject := fs.String("subject", "", "who the token is for (required)")
	scopes := fs.String("scopes", "", "comma-separated scopes, e.g. tasks:read,tasks:write")
	header := fs.Bool("header", false, "print the `tokens:` line too, to start a new file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*subject) == "" {
		return errors.New("-subject is required")
	}

	// 32 random bytes: 256 bits, base64url, which is inside RFC 6750's b64token.
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	doc, err := spec.Load()
	if err != nil {
		return err
	}
	token := spec.TokenPrefix(doc) + base64.RawURLEncoding.EncodeToString(raw[:])

	entry := statictoken.Entry{Subject: *subject, Scopes: []string{}, SHA256: statictoken.Digest(token)}
	for _, s := range strings.Split(*scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			entry.Scopes = append(entry.Scopes, s)
		}
	}
	out, err := yaml.Marshal([]statictoken.Entry{entry})
	if err != nil {
		return err
	}
	if *header {
		fmt.Fprintln(stdout, "tokens:")
	}
	for _, line := range strings.SplitAfter(strings.TrimRight(string(out), "\n"), "\n") {
		fmt.Fprint(stdout, "  "+line)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stderr, "token for %s (shown once, store it safely):\n%s\n", *subject, token)
	return nil
}
