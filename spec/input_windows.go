package spec

// openFlags open a spec file: Windows has no FIFO to wait on in the file
// system, nor O_NOFOLLOW; readSpecFile's Stat judges what was opened.
const openFlags = 0
