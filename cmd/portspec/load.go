package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/spec"
)

// Defaults of --max-load-memory and --max-load-time: far above any real
// policy (a spec of a million checks loads in a second or two and tens of
// megabytes), far below what brings a CI runner down or holds it for hours.
const (
	defaultLoadMemory = 2 << 30
	defaultLoadTime   = time.Minute
)

// loadLimits are --max-load-memory and --max-load-time, which bound
// reading a spec, for every command that reads one: nested for
// expressions can build more than any machine holds, or iterate for hours,
// from a few lines of an untrusted spec, and no function cap bounds their
// product; planning the shards of a million addresses takes its time, and
// parsing a file of megabytes of tokens takes gigabytes.
type loadLimits struct {
	memory sizeFlag
	time   time.Duration
}

func (l *loadLimits) register(fs *flag.FlagSet) {
	l.memory = defaultLoadMemory
	fs.Var(&l.memory, "max-load-memory", "the most memory loading the spec may use, a `size`")
	fs.DurationVar(&l.time, "max-load-time", defaultLoadTime, "the longest loading the spec may take")
}

func (l *loadLimits) check() error {
	if l.time <= 0 {
		return fmt.Errorf("--max-load-time is how long loading the spec may take, above 0; got %s", l.time)
	}
	return nil
}

// watch runs load under a watchdog. Past either limit it returns false
// at once, having said so: with the place of the expression loader is
// evaluating, if it is evaluating one, else with what it was doing to
// paths (doing) and what to do instead (instead), rather than being killed
// by the kernel or the CI job's timeout with nothing said. The load, which
// nothing can stop in the middle of an expression, is left running: the
// command returns exit 2 and main ends the process.
func (l *loadLimits) watch(stderr io.Writer, loader *spec.Loader, paths []string, doing, instead string, load func()) bool {
	done, over := make(chan struct{}), make(chan string, 1)
	stop := make(chan struct{})
	defer close(stop)
	go watchLoad(stop, uint64(l.memory), l.time, func(what string) { over <- what })
	go func() {
		defer close(done)
		load()
	}()
	select {
	case <-done:
		return true
	case what := <-over:
		if r, ok := loader.Evaluating(); ok {
			fmt.Fprintf(stderr, "%s:%d:%d: Error: Expression too large\n\nEvaluating the spec %s: an expression here builds or iterates too much (nested for expressions multiply). Build less, split the spec, or raise --max-load-memory or --max-load-time.\n",
				escape.Text(r.Filename), r.Start.Line, r.Start.Column, what)
		} else {
			fmt.Fprintf(stderr, "%s: Error: Spec too large\n\n%s %s. %s, or raise --max-load-memory or --max-load-time.\n",
				escape.Text(strings.Join(paths, ", ")), doing, what, instead)
		}
		return false
	}
}

// loadSpec loads the specs at paths, and counts the hosts and checks sel
// runs, under the watchdog of f's limits; ok is false when the watchdog
// stopped it, having said why.
func loadSpec(stderr io.Writer, loader *spec.Loader, paths []string, f *specFlags, sel spec.Selection) (s *spec.Spec, hosts, checks int, diags hcl.Diagnostics, ok bool) {
	ok = f.load.watch(stderr, loader, paths, "Loading the spec and counting its checks", "Check fewer at once (--tag, --control, --shard)", func() {
		s, diags = loader.Load(paths, f.options())
		if s != nil {
			hosts, checks = s.Count(sel)
		}
	})
	if !ok {
		return nil, 0, 0, nil, false
	}
	return s, hosts, checks, diags, true
}

// watchLoad calls over once the memory in use passes limit or the load
// has run for longer than timeout, checking every 20 ms until done is
// closed. The memory in use is the live heap and the goroutines' stacks:
// a parser that recurses deeply grows a stack of hundreds of megabytes
// that the heap alone does not show.
func watchLoad(done <-chan struct{}, limit uint64, timeout time.Duration, over func(what string)) {
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
