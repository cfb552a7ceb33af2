package runner

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestResolver(t *testing.T) {
	calls := 0
	var heard []string
	r := &Resolver{
		Lookup: func(_ context.Context, name string) ([]netip.Addr, error) {
			calls++
			if name == "gone.example.com" {
				return nil, errors.New("no such host")
			}
			// Repeats, not side by side: a far end's answer, or the
			// system's, may hold them.
			return []netip.Addr{netip.MustParseAddr("2001:db8::25"), netip.MustParseAddr("::ffff:198.18.0.25"), netip.MustParseAddr("198.18.0.26"),
				netip.MustParseAddr("198.18.0.25"), netip.MustParseAddr("2001:db8::25")}, nil
		},
		OnResolve: func(name string, _ []netip.Addr, _ error, _ time.Duration) { heard = append(heard, name) },
	}
	all, err := r.Resolve("mx.example.com")
	if err != nil || !slices.Equal(all, []netip.Addr{netip.MustParseAddr("198.18.0.25"), netip.MustParseAddr("198.18.0.26"), netip.MustParseAddr("2001:db8::25")}) {
		t.Errorf("IPv4 first, unmapped, no repeats: %v %v", all, err)
	}
	again, _ := r.Resolve("mx.example.com")
	if !slices.Equal(again, all) {
		t.Errorf("again: %v", again)
	}
	if addr, err := r.Resolve("::ffff:198.18.0.9"); err != nil || !slices.Equal(addr, []netip.Addr{netip.MustParseAddr("198.18.0.9")}) {
		t.Errorf("an address is itself, unmapped: %v %v", addr, err)
	}
	if _, err := r.Resolve("gone.example.com"); err == nil {
		t.Error("a failed lookup gave no error")
	}
	if calls != 2 || !slices.Equal(heard, []string{"mx.example.com", "gone.example.com"}) {
		t.Errorf("%d lookups, heard %v: want one lookup a name", calls, heard)
	}
}
