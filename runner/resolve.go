package runner

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Resolver looks up DNS names once per run, for every command that
// resolves: the same order, the same log, wherever a name is used.
type Resolver struct {
	// Lookup defaults to the system resolver.
	Lookup func(ctx context.Context, name string) ([]netip.Addr, error)
	// OnResolve, when set, hears of every lookup, for the log.
	OnResolve func(name string, addrs []netip.Addr, err error, took time.Duration)
	// Timeout bounds one lookup; 0 means 5 seconds.
	Timeout time.Duration

	mu    sync.Mutex
	cache map[string]lookup
}

type lookup struct {
	addrs []netip.Addr
	err   error
}

// Resolve returns the addresses of name, IPv4 first, then IPv6, each in
// the order the resolver gave them and without repeats, so that runs are
// repeatable. An address is itself, and is not logged.
func (r *Resolver) Resolve(name string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.cache[name]
	if !ok {
		start := time.Now()
		l = r.lookup(name)
		if r.OnResolve != nil {
			r.OnResolve(name, l.addrs, l.err, time.Since(start))
		}
		if r.cache == nil {
			r.cache = map[string]lookup{}
		}
		r.cache[name] = l
	}
	return slices.Clone(l.addrs), l.err
}

func (r *Resolver) lookup(name string) lookup {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	look := r.Lookup
	if look == nil {
		look = func(ctx context.Context, name string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", name)
		}
	}
	addrs, err := look(ctx, name)
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int {
		if a.Is4() != b.Is4() {
			if a.Is4() {
				return -1
			}
			return 1
		}
		return 0
	})
	return lookup{distinct(addrs), err}
}

// distinct is addrs without repeats, each where it first came: a lookup
// may give an address twice, and not always side by side.
func distinct(addrs []netip.Addr) []netip.Addr {
	seen := make(map[netip.Addr]bool, len(addrs))
	out := addrs[:0]
	for _, a := range addrs {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// PTRName is the first name a PTR lookup of a gives within timeout,
// without its final dot, or "" when there is none. The name is the
// address owner's to write: whoever prints it escapes it.
func PTRName(ctx context.Context, a netip.Addr, timeout time.Duration) string {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	names, err := net.DefaultResolver.LookupAddr(ctx, a.String())
	if err != nil || len(names) == 0 {
		return ""
	}
	return strings.TrimSuffix(names[0], ".")
}
