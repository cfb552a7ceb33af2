package report

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Progress shows a live counter on a terminal during long runs: checks
// done of the total, and failures so far. It stays silent for the first
// second, so quick runs print nothing, and it is only ever used when stderr
// is a terminal, never in CI logs.
type Progress struct {
	ignoreEvents
	w            io.Writer
	total        int
	done, failed atomic.Int64
	stop         chan struct{}
	stopped      sync.WaitGroup

	// mu orders the counter's drawing with the text report's writes on
	// the same terminal (see Guard); shown says the counter's line is on
	// the screen, to be cleared before anything else is written.
	mu    sync.Mutex
	shown bool
	// round is check --wait's round, from 2 on; 0 before.
	round int
	// vantages are check --via's, a line each, counted as their results
	// come from the far ends (VantageResult) rather than as the reports
	// hear them: all but the first vantage are reported at the end.
	vantages []*vantageCount
}

type vantageCount struct {
	name         string
	total        int
	done, failed atomic.Int64
}

// Vantages makes the counter a line for each vantage of check --via, of
// totals[i] checks each.
func (p *Progress) Vantages(names []string, totals []int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.vantages = nil
	for i, name := range names {
		p.vantages = append(p.vantages, &vantageCount{name: name, total: totals[i]})
	}
}

// VantageResult counts a result of vantage i.
func (p *Progress) VantageResult(i int, failing bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	v := p.vantages[i]
	p.mu.Unlock()
	v.done.Add(1)
	if failing {
		v.failed.Add(1)
	}
}

// Round starts check --wait's round n of total checks: the counter then
// says the round and how many of its checks still fail.
func (p *Progress) Round(n, total int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.round, p.total = n, total
	p.done.Store(0)
	p.failed.Store(0)
}

// NewProgress returns a progress counter for total checks.
func NewProgress(w io.Writer, total int) *Progress {
	return &Progress{w: w, total: total, stop: make(chan struct{})}
}

func (p *Progress) Begin(Meta) error {
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		delay := time.NewTimer(time.Second)
		defer delay.Stop()
		select {
		case <-delay.C:
		case <-p.stop:
			return
		}
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			p.draw()
			select {
			case <-tick.C:
			case <-p.stop:
				return
			}
		}
	}()
	return nil
}

func (p *Progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shown = true
	if len(p.vantages) > 0 {
		// A line each, the cursor left at the first: clear erases them
		// all from there.
		fmt.Fprint(p.w, "\r\033[J")
		for i, v := range p.vantages {
			if i > 0 {
				fmt.Fprint(p.w, "\n")
			}
			fmt.Fprintf(p.w, "%s: %d/%d checks, %d failed", v.name, v.done.Load(), v.total, v.failed.Load())
		}
		if n := len(p.vantages) - 1; n > 0 {
			fmt.Fprintf(p.w, "\033[%dA", n)
		}
		fmt.Fprint(p.w, "\r")
		return
	}
	if p.round > 1 {
		fmt.Fprintf(p.w, "\r\033[Kround %d: %d/%d checks, %d still failing", p.round, p.done.Load(), p.total, p.failed.Load())
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%d/%d checks, %d failed", p.done.Load(), p.total, p.failed.Load())
}

// clear takes the counter's line off the screen; p.mu is held.
func (p *Progress) clear() {
	switch {
	case !p.shown:
		return
	case len(p.vantages) > 0:
		fmt.Fprint(p.w, "\r\033[J")
	default:
		fmt.Fprint(p.w, "\r\033[K")
	}
	p.shown = false
}

// Guard returns w, a writer to the same terminal as the counter's, such
// that every write first clears the counter's line: the text report's
// lines then never share a line with it. The counter draws itself again
// on its next tick.
func (p *Progress) Guard(w io.Writer) io.Writer { return guarded{p, w} }

type guarded struct {
	p *Progress
	w io.Writer
}

func (g guarded) Write(b []byte) (int, error) {
	g.p.mu.Lock()
	defer g.p.mu.Unlock()
	g.p.clear()
	return g.w.Write(b)
}

func (p *Progress) Result(r Record) error {
	p.mu.Lock()
	byVantage := len(p.vantages) > 0
	p.mu.Unlock()
	if byVantage {
		return nil
	}
	p.done.Add(1)
	if r.Verdict.Failing() {
		p.failed.Add(1)
	}
	return nil
}

func (p *Progress) End(Summary) error {
	close(p.stop)
	p.stopped.Wait()
	p.mu.Lock()
	p.clear()
	p.mu.Unlock()
	return nil
}

var _ Reporter = (*Progress)(nil)
