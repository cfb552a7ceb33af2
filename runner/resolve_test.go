package runner

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/portspec/portspec/spec"
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
			return []netip.Addr{netip.MustParseAddr("2001:db8::25"), netip.MustParseAddr("::ffff:198.18.0.25"), netip.MustParseAddr("198.18.0.26")}, nil
		},
		OnResolve: func(name string, _ []netip.Addr, _ error, _ time.Duration) { heard = append(heard, name) },
	}
	all, err := r.Resolve("mx.example.com", spec.AnyFamily)
	if err != nil || !slices.Equal(all, []netip.Addr{netip.MustParseAddr("198.18.0.25"), netip.MustParseAddr("198.18.0.26"), netip.MustParseAddr("2001:db8::25")}) {
		t.Errorf("any: %v %v", all, err)
	}
	v6, _ := r.Resolve("mx.example.com", spec.IPv6)
	if !slices.Equal(v6, []netip.Addr{netip.MustParseAddr("2001:db8::25")}) {
		t.Errorf("ipv6: %v", v6)
	}
	if _, err := r.Resolve("gone.example.com", spec.AnyFamily); err == nil {
		t.Error("a failed lookup gave no error")
	}
	if calls != 2 || !slices.Equal(heard, []string{"mx.example.com", "gone.example.com"}) {
		t.Errorf("%d lookups, heard %v: want one lookup a name", calls, heard)
	}
}
