// Package atomicfile writes files so that a reader sees the old content or
// the whole new content, never a half-written file: the data goes to a
// temporary file in the same directory, which is then renamed over the
// target.
//
// What the path names is respected. A symlink is followed, so its target is
// replaced and the link stays a link, unless the kernel's
// fs.protected_symlinks rule would refuse it: a link in a sticky
// world-writable directory such as /tmp that belongs neither to the
// directory's owner nor to the writer (StickyError). A file there of such
// an owner is not written over either, as fs.protected_regular has it. A new file gets mode
// 0666 less the umask, as the shell's > would make it. A file that is
// there keeps its mode and, where the process may set it, its owner.
// Something that is not a regular file (a device such as /dev/null, a
// FIFO, /dev/stdout) is opened and written directly: renaming over it
// would replace a device node with a file. google/renameio does the
// temporary-file part, but neither follows links, keeps owners nor leaves
// devices alone, so it would be wrapped in all of this anyway.
//
// Open writes a file in place under the same rules, for what cannot be
// written whole at the end: a log that grows, a file others append to.
package atomicfile
