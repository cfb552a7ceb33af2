package report

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portspec/portspec/runner"
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
	shown        atomic.Bool
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
	p.shown.Store(true)
	fmt.Fprintf(p.w, "\r\033[K%d/%d checks, %d failed", p.done.Load(), p.total, p.failed.Load())
}

func (p *Progress) Result(o runner.Outcome) error {
	p.done.Add(1)
	if o.Verdict == runner.Fail || o.Verdict == runner.Errored {
		p.failed.Add(1)
	}
	return nil
}

func (p *Progress) End(Summary) error {
	close(p.stop)
	p.stopped.Wait()
	if p.shown.Load() {
		fmt.Fprint(p.w, "\r\033[K")
	}
	return nil
}

var _ Reporter = (*Progress)(nil)
