//go:build unix

package output

import (
	"errors"
	"syscall"
)

// processAlive reports whether process pid may still be running on this
// host. Only "no such process" counts as gone: a process of another user
// (EPERM) is alive.
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
