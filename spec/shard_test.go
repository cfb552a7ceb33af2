package spec

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
)

const shardSpec = `
host "big" {
  address = "198.18.0.9"
  tcp "blocked" { ports = ["1-1000"] }
}
host "net" {
  addresses = ["198.18.1.0/28"]
  tcp "listening" { ports = [22, 80] }
  udp "blocked" { ports = ["100-109"] }
}
host "named" {
  address = "www.example.com"
  tcp "listening" { ports = [80, 443] }
}
host "small" {
  address = "198.18.2.1"
  tcp "listening" { ports = [25] }
}
`

type checkID struct {
	host  string
	addr  netip.Addr
	proto Protocol
	port  uint16
}

// TestShardsPartition checks that for every n the shards cover every
// check exactly once, keep small hosts whole, and that sorting their
// results by Order gives back the unsharded order.
func TestShardsPartition(t *testing.T) {
	dir := writeSpec(t, map[string]string{"s.hcl": shardSpec})
	l := NewLoader()
	s, diags := l.Load([]string{filepath.Join(dir, "s.hcl")}, Options{})
	if diags.HasErrors() {
		t.Fatal(render(l, diags))
	}
	resolve := func(string, Family) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("198.18.3.1"), netip.MustParseAddr("2001:db8::1")}, nil
	}
	var all []Check
	for c := range s.ResolvedChecks(Selection{}, resolve) {
		all = append(all, c)
	}
	for _, n := range []int{1, 2, 3, 4, 7, 50} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			seen := map[checkID]int{}
			var merged []Check
			sizes := make([]int, n)
			for k := 1; k <= n; k++ {
				shardOf := map[string]map[int]bool{}
				for c := range s.ResolvedChecks(Selection{Shard: Shard{k, n}}, resolve) {
					seen[checkID{c.Host.Name, c.Addr, c.Protocol, c.Port}]++
					merged = append(merged, c)
					sizes[k-1]++
					if shardOf[c.Host.Name] == nil {
						shardOf[c.Host.Name] = map[int]bool{}
					}
					shardOf[c.Host.Name][c.Order.Unit] = true
				}
			}
			if len(merged) != len(all) {
				t.Fatalf("shards hold %d checks, the run %d", len(merged), len(all))
			}
			for id, times := range seen {
				if times != 1 {
					t.Errorf("%v is in %d shards", id, times)
				}
			}
			slices.SortStableFunc(merged, func(a, b Check) int {
				if a.Order.Less(b.Order) {
					return -1
				}
				if b.Order.Less(a.Order) {
					return 1
				}
				return 0
			})
			for i := range all {
				if merged[i].Port != all[i].Port || merged[i].Addr != all[i].Addr || merged[i].Protocol != all[i].Protocol {
					t.Fatalf("check %d after merging is %s %s/%d, the run had %s %s/%d", i,
						merged[i].Addr, merged[i].Protocol, merged[i].Port, all[i].Addr, all[i].Protocol, all[i].Port)
				}
			}
			// Balance: no shard holds more than a share plus one unit.
			share := (len(all) + n - 1) / n
			for k, size := range sizes {
				if size > share+24 {
					t.Errorf("shard %d/%d holds %d checks, share %d", k+1, n, size, share)
				}
			}
		})
	}
}

// TestShardKeepsUnitsWhole: with room to spare, each address's checks stay
// in one shard, and only the host bigger than a share is cut.
func TestShardKeepsUnitsWhole(t *testing.T) {
	dir := writeSpec(t, map[string]string{"s.hcl": shardSpec})
	l := NewLoader()
	s, _ := l.Load([]string{filepath.Join(dir, "s.hcl")}, Options{})
	unitShards := map[int]map[int]bool{}
	for k := 1; k <= 3; k++ {
		for c := range s.Checks(Selection{Shard: Shard{k, 3}}) {
			if unitShards[c.Order.Unit] == nil {
				unitShards[c.Order.Unit] = map[int]bool{}
			}
			unitShards[c.Order.Unit][k] = true
		}
	}
	// 1000 + 14×12 + 2 + 1 = 1171 checks: a share is 391, so "big"
	// (unit 0, 1000 checks) is cut, and nothing else.
	for unit, shards := range unitShards {
		if unit == 0 && len(shards) < 2 {
			t.Errorf("the 1000-check unit was not cut: shards %v", shards)
		}
		if unit != 0 && len(shards) != 1 {
			t.Errorf("unit %d is spread over shards %v", unit, shards)
		}
	}
}

func TestParseShard(t *testing.T) {
	if s, err := ParseShard("2/4"); err != nil || s != (Shard{2, 4}) {
		t.Errorf("2/4: %v %v", s, err)
	}
	// i:n counts from 0, as Kubernetes' JOB_COMPLETION_INDEX does.
	for in, want := range map[string]Shard{"0:4": {1, 4}, "3:4": {4, 4}} {
		if s, err := ParseShard(in); err != nil || s != want {
			t.Errorf("%s: %v %v, want %v", in, s, err, want)
		}
	}
	for _, bad := range []string{"0/4", "5/4", "1/0", "a/b", "3", "", "4:4", "-1:4", "0:0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted it", bad)
		}
	}
}

func TestSnapshotCoalesces(t *testing.T) {
	states := map[Protocol]map[uint16]State{TCP: {}, UDP: {53: Listening, 54: Filtered}}
	for p := uint16(1); p <= 100; p++ {
		states[TCP][p] = NotListening
	}
	states[TCP][22], states[TCP][80], states[TCP][81] = Listening, Listening, Listening
	states[TCP][99] = Filtered
	got := string(Snapshot([]string{"header"}, []SnapshotHost{{Name: "web", Address: "198.18.0.2", States: states}}))
	want := `# header

host "web" {
  address = "198.18.0.2"
  tcp "listening" {
    ports = [22, "80-81"]
  }
  tcp "not_listening" {
    ports = ["1-21", "23-79", "82-98", 100]
  }
  tcp "filtered" {
    ports = [99]
  }
  udp "listening" {
    ports = [53]
  }
  udp "filtered" {
    ports = [54]
  }
}
`
	if got != want {
		t.Errorf("snapshot:\n%s\nwant:\n%s", got, want)
	}
	// What a snapshot writes loads, and expands back to what was found.
	dir := writeSpec(t, map[string]string{"snap.hcl": got})
	l := NewLoader()
	s, diags := l.Load([]string{filepath.Join(dir, "snap.hcl")}, Options{})
	if diags.HasErrors() {
		t.Fatal(render(l, diags))
	}
	n := 0
	for c := range s.Checks(Selection{}) {
		if states[c.Protocol][c.Port] != c.State() {
			t.Errorf("%s/%d expands to %s, was %s", c.Protocol, c.Port, c.State(), states[c.Protocol][c.Port])
		}
		n++
	}
	if n != 102 {
		t.Errorf("%d checks, want 102", n)
	}
}
