package watchdog

import (
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// The watchdog counts the goroutines' stacks, not only the heap: 100,000
// "[*]" once recursed to a stack of 900 MB under --max-load-memory
// 128MiB and exited 0 (issue #19, item 6).
func TestWatchLoadCountsStacks(t *testing.T) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(sample)
	limit := sample[0].Value.Uint64() + sample[1].Value.Uint64() + 32<<20

	release := make(chan struct{})
	deep := make(chan struct{})
	go func() {
		deepStack(64<<10, deep, release) // 64 MiB of stack
	}()
	defer close(release)
	<-deep

	done := make(chan struct{})
	defer close(done)
	stopped := make(chan string, 1)
	go watch(done, limit, time.Minute, func(what string) { stopped <- what })
	select {
	case what := <-stopped:
		t.Logf("stopped: %s", what)
		if !strings.Contains(what, "MiB (--max-load-memory)") {
			t.Errorf("stopped for %q", what)
		}
	case <-time.After(5 * time.Second):
		metrics.Read(sample)
		t.Fatalf("a stack of 64 MiB over a limit of %d MiB was not stopped (heap %d MiB, stacks %d MiB)",
			limit>>20, sample[0].Value.Uint64()>>20, sample[1].Value.Uint64()>>20)
	}
}

// deepStack recurses n times with a frame of a kilobyte, says so on deep,
// and holds its stack until release is closed.
func deepStack(n int, deep chan<- struct{}, release <-chan struct{}) byte {
	var frame [1 << 10]byte
	frame[n%len(frame)] = byte(n)
	if n == 0 {
		close(deep)
		<-release
		return frame[0]
	}
	return deepStack(n-1, deep, release) + frame[(n+1)%len(frame)]
}

// doublings is a locals block of a string of 16 bytes doubled n times by
// templates, "a0" to "a<n>": 20 doublings are 16 MiB.
