package localports

import (
	"fmt"
	"runtime"
)

// Supported says whether this OS lists its sockets where Read looks:
// Linux's /proc/net. query -local, -wport and -wpid, and address =
// "local", need it.
const Supported = runtime.GOOS == "linux"

// Unsupported is the error of what needs Read where it cannot be, named
// by what.
func Unsupported(what string) error {
	return fmt.Errorf("%s reads this machine's sockets from Linux's /proc/net, which %s does not have", what, runtime.GOOS)
}
