package runner

// DefaultConcurrency is how many probes may be in flight when neither
// the command line nor the spec says. Windows has no open-file limit for
// sockets to size it from: this is its ephemeral ports' share that leaves
// room for everything else (16,384 ports by default, each connect one).
func DefaultConcurrency() int { return 1024 }
