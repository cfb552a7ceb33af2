package atomicfile

import "golang.org/x/sys/unix"

// openDirFlags open a directory on the way to a file. O_PATH needs only
// search permission, as a path lookup does, not read permission: a
// directory of mode 0711 can be passed through.
const openDirFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
