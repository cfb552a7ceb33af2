//go:build unix && !linux

package atomicfile

import "golang.org/x/sys/unix"

// openDirFlags open a directory on the way to a file. Without Linux's
// O_PATH, that needs read permission on it.
const openDirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
