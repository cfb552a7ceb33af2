//go:build unix

package spec

import "syscall"

// openFlags open a spec file: O_NONBLOCK opens a FIFO without waiting for
// a writer, and O_NOFOLLOW refuses a link put in the place of the path a
// name resolved to.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOFOLLOW
