package heapof

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHeapOrders: whatever goes in comes out least first, with FixFirst
// after the least item grows in place.
func TestHeapOrders(t *testing.T) {
	h := New(func(a, b *int) bool { return *a < *b })
	var want []int
	for range 500 {
		n := rand.IntN(1000)
		want = append(want, n)
		h.Push(&n)
	}
	// The least grows past every other: it must come out last.
	least := h.Peek()
	*least = 5000
	h.FixFirst()
	slices.Sort(want)
	want = append(want[1:], 5000)
	var got []int
	for h.Len() > 0 {
		got = append(got, *h.Pop())
	}
	if !slices.Equal(got, want) {
		t.Errorf("popped %v\nwant %v", got[:10], want[:10])
	}
}
