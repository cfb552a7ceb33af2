package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Shard is part K of N (1 ≤ K ≤ N) of a run's checks. The zero Shard is
// the whole run.
type Shard struct{ K, N int }

// ParseShard parses --shard's "k/n", k counted from 1.
//
// It also takes i:n, i counted from 0, for the schedulers that count so
// and cannot add one without a shell: Kubernetes' Indexed Job
// ($(JOB_COMPLETION_INDEX):4 in a FROM-scratch image's args).
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	from := 1
	if !ok {
		k, n, ok = strings.Cut(s, ":")
		from = 0
	}
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	ki += 1 - from
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("--shard takes k/n with 1 ≤ k ≤ n, as in 2/4, or i:n counted from 0, as in 1:4 (Kubernetes' JOB_COMPLETION_INDEX); got %q", s)
	}
	return Shard{ki, ni}, nil
}

func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// shardPlan assigns every check to one shard. It keeps each unit (one
// address of a host, or one DNS name) whole, so one run's model of the
// host's ICMP budget sees all of its ports, and cuts a unit only when it alone holds more
// than a shard's share. The pieces go, largest first, to the least loaded
// shard: the plan depends only on the spec and the selection, so every
// shard of a CI matrix computes the same one.
type shardPlan struct {
	whole map[int]int     // unit → shard, for units kept whole
	cut   map[int][]piece // unit → its pieces, for units cut up
}

type piece struct {
	unit, from, to int // checks [from, to) of the unit
	shard          int
}

func (s *Spec) planShards(sel Selection) *shardPlan {
	var pieces []piece
	sizes := map[int]int{}
	total := 0
	for u := range s.units(sel) {
		total += u.size
		sizes[u.index] = u.size
		pieces = append(pieces, piece{unit: u.index, from: 0, to: u.size})
	}
	n := sel.Shard.N
	share := (total + n - 1) / n
	var split []piece
	for _, p := range pieces {
		if p.to <= share || share == 0 {
			split = append(split, p)
			continue
		}
		for from := 0; from < p.to; from += share {
			split = append(split, piece{unit: p.unit, from: from, to: min(from+share, p.to)})
		}
	}
	order := make([]int, len(split))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return split[order[a]].to-split[order[a]].from > split[order[b]].to-split[order[b]].from
	})
	load := make([]int, n)
	for _, i := range order {
		least := 0
		for k := 1; k < n; k++ {
			if load[k] < load[least] {
				least = k
			}
		}
		split[i].shard = least + 1
		load[least] += split[i].to - split[i].from
	}
	plan := &shardPlan{whole: map[int]int{}, cut: map[int][]piece{}}
	for _, p := range split {
		if p.from == 0 && p.to == sizes[p.unit] {
			plan.whole[p.unit] = p.shard
		} else {
			plan.cut[p.unit] = append(plan.cut[p.unit], p)
		}
	}
	return plan
}

// touches reports whether shard k has any check of the unit.
func (p *shardPlan) touches(unit, k int) bool {
	if s, ok := p.whole[unit]; ok {
		return s == k
	}
	for _, pc := range p.cut[unit] {
		if pc.shard == k {
			return true
		}
	}
	return false
}

// checksOf is how many of the unit's size checks shard k has.
func (p *shardPlan) checksOf(unit, size, k int) int {
	if s, ok := p.whole[unit]; ok {
		if s == k {
			return size
		}
		return 0
	}
	n := 0
	for _, pc := range p.cut[unit] {
		if pc.shard == k {
			n += pc.to - pc.from
		}
	}
	return n
}

// shardOf is the shard of the unit's seq-th check.
func (p *shardPlan) shardOf(unit, seq int) int {
	if s, ok := p.whole[unit]; ok {
		return s
	}
	for _, pc := range p.cut[unit] {
		if seq >= pc.from && seq < pc.to {
			return pc.shard
		}
	}
	return 0
}
