// Package heapof is a priority queue of any type, ordered by a function:
// the one container/heap adapter that a merge of report streams, diff's
// merge of sorted runs and the ICMP budget's queue of proofs share, rather
// than each writing its own Len, Less, Swap, Push and Pop.
package heapof

import "container/heap"

// Heap holds items with the least, by less, first.
type Heap[T any] struct {
	items items[T]
}

// New returns an empty heap ordered by less.
func New[T any](less func(a, b T) bool) *Heap[T] {
	return &Heap[T]{items: items[T]{less: less}}
}

// Len is how many items the heap holds.
func (h *Heap[T]) Len() int { return len(h.items.list) }

// Push adds x.
func (h *Heap[T]) Push(x T) { heap.Push(&h.items, x) }

// Pop removes and returns the least item; the heap must not be empty.
func (h *Heap[T]) Pop() T { return heap.Pop(&h.items).(T) }

// Peek is the least item, left in place; the heap must not be empty.
func (h *Heap[T]) Peek() T { return h.items.list[0] }

// FixFirst restores the order after the least item changed in place.
func (h *Heap[T]) FixFirst() { heap.Fix(&h.items, 0) }

// All yields every item, in no particular order.
func (h *Heap[T]) All() []T { return h.items.list }

// items is container/heap's view of the list.
type items[T any] struct {
	list []T
	less func(a, b T) bool
}

func (s items[T]) Len() int           { return len(s.list) }
func (s items[T]) Less(i, j int) bool { return s.less(s.list[i], s.list[j]) }
func (s items[T]) Swap(i, j int)      { s.list[i], s.list[j] = s.list[j], s.list[i] }
func (s *items[T]) Push(x any)        { s.list = append(s.list, x.(T)) }
func (s *items[T]) Pop() any {
	n := len(s.list) - 1
	x := s.list[n]
	var zero T
	s.list[n] = zero // let go of what it holds
	s.list = s.list[:n]
	return x
}
