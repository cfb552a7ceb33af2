// Package watchdog bounds what the loader's own limits (spec.Options'
// MaxLoadSteps, MaxLoadMemory, MaxLoadTime) cannot: parsing a file of
// megabytes of tokens, counting the checks of a million addresses, one
// step that builds too much. It watches the process's memory (heap and
// stacks) and the time, and past either says where the loader was.
package watchdog

import (
	"fmt"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/spec"
)

// Load runs load under a watchdog of l's limits. Past either limit it
// returns at once an error (exit 2) that says so: with the place of the
// expression loader is evaluating, if it is evaluating one, else with
// what it was doing to paths (doing) and what to do instead (instead),
// rather than being killed by the kernel or the CI job's timeout with
// nothing said. The load, which nothing can stop in the middle of an
// expression, is left running: the command returns exit 2 and main ends
// the process.
func Load(l arguments.Load, loader *spec.Loader, paths []string, doing, instead string, load func()) error {
	done, over := make(chan struct{}), make(chan string, 1)
	stop := make(chan struct{})
	defer close(stop)
	go watch(stop, uint64(l.Memory), l.Time, func(what string) { over <- what })
	go func() {
		defer close(done)
		load()
	}()
	select {
	case <-done:
		return nil
	case what := <-over:
		if r, ok := loader.Evaluating(); ok {
			return exit.Errorf(exit.Usage, "%s:%d:%d: Error: Expression too large\n\nEvaluating the spec %s: an expression here builds or iterates too much (nested for expressions multiply). Build less, split the spec, or raise --max-load-memory or --max-load-time.",
				escape.Text(r.Filename), r.Start.Line, r.Start.Column, what)
		}
		return exit.Errorf(exit.Usage, "%s: Error: Spec too large\n\n%s %s. %s, or raise --max-load-memory or --max-load-time.",
			escape.Text(strings.Join(paths, ", ")), doing, what, instead)
	}
}

// watch calls over once the memory in use passes limit or the load
// has run for longer than timeout, checking every 20 ms until done is
// closed. The memory in use is the live heap and the goroutines' stacks:
// a parser that recurses deeply grows a stack of hundreds of megabytes
// that the heap alone does not show.
func watch(done <-chan struct{}, limit uint64, timeout time.Duration, over func(what string)) {
	sample := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/memory/classes/os-stacks:bytes"},
	}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		var used uint64
		for _, s := range sample {
			used += s.Value.Uint64()
		}
		switch {
		case used > limit:
			over(fmt.Sprintf("used %d MiB of memory, more than its limit of %d MiB (--max-load-memory)", used>>20, limit>>20))
			return
		case time.Now().After(deadline):
			over(fmt.Sprintf("took longer than its limit of %s (--max-load-time)", timeout))
			return
		}
	}
}
