//go:build unix

package runner

import "golang.org/x/sys/unix"

// DefaultConcurrency is how many probes may be in flight when neither
// the command line nor the spec says: a socket each, from half of the
// open-file limit left after a reserve for everything else (Go raises the
// limit to the hard one at start), between 64 and MaxDefaultConcurrency.
// A machine whose limit is 1,024 gets 448 rather than failing with
// EMFILE.
func DefaultConcurrency() int {
	const reserve = 128
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 2*64+reserve {
		return 64
	}
	return int(min((lim.Cur-reserve)/2, MaxDefaultConcurrency))
}
