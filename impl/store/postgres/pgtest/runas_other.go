//go:build !unix

package pgtest

import (
	"errors"
	"os/exec"
	"os/user"
)

// runAs is only needed when running as root, which is a Unix notion.
func runAs(*exec.Cmd, *user.User) error {
	return errors.New("pgtest: cannot switch users on this system")
}
