package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/rundiff"
	"github.com/portspec/portspec/report"
)

// RunFunc runs the spec once, its records going to reporters from Begin
// to End, and returns the run's summary. An error is a run that could not
// be made (a report that could not be written, say): it fails /healthz.
type RunFunc func(ctx context.Context, reporters report.Multi) (report.Summary, error)

// LoadFunc loads the spec, and says how to run it: at the start, and on
// each reload.
type LoadFunc func() (RunFunc, error)

// MinInterval is the shortest interval between the starts of two runs.
const MinInterval = time.Second

// maxChangesKept and maxChangeBytes bound what /changes keeps of one
// run, in changes and in their JSON's bytes (a message can be kilobytes);
// the rest are counted as more. With the default history of 100 runs,
// the changes kept are at most 6.4 MB.
const (
	maxChangesKept = 256
	maxChangeBytes = 64 << 10
)

// Options are serve's settings.
type Options struct {
	// Interval is from the start of one run to the start of the next;
	// a run that takes longer is followed by the next at once (an
	// overrun).
	Interval time.Duration
	// History is how many runs' changes /changes keeps.
	History int
	// MaxSeries bounds the portspec_check_failing series.
	MaxSeries int
	// Dir holds the last run's reports; the caller makes and removes it.
	Dir string
	// Log hears a line, with its time, for each change between runs, each
	// reload, and each run that could not be made.
	Log io.Writer
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Server runs a spec on an interval and serves its last completed run.
type Server struct {
	opts    Options
	logMu   sync.Mutex
	loadMu  sync.Mutex
	run     RunFunc
	metrics *prometheus.Registry

	mu       sync.RWMutex
	last     *completed // nil before the first run ends
	runs     int
	overruns int
	history  []runChanges // oldest first, at most opts.History
}

// completed is what a run left: its counts and failing checks for the
// metrics and /healthz, and its reports on disk.
type completed struct {
	number   int
	ended    time.Time
	took     time.Duration
	summary  report.Summary
	tally    tally
	err      error
	jsonPath string
	htmlPath string
}

// runChanges is one run's changes from the run before it, as /changes
// says them.
type runChanges struct {
	Run     int              `json:"run"`
	At      time.Time        `json:"at"`
	Summary map[string]int   `json:"summary"`
	Changes []rundiff.Change `json:"changes"`
	// More counts the changes past maxChangesKept or maxChangeBytes,
	// which only the log has.
	More  int    `json:"more,omitempty"`
	Error string `json:"error,omitempty"`
}

// New is a server of the spec load gives; a spec that does not load is
// the error.
func New(load LoadFunc, opts Options) (*Server, error) {
	if opts.Interval < MinInterval {
		return nil, fmt.Errorf("the interval is at least %s; got %s", MinInterval, opts.Interval)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	run, err := load()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, run: run, metrics: prometheus.NewRegistry()}
	s.metrics.MustRegister(collector{s})
	return s, nil
}

// Reload loads the spec again: the next run uses it. A spec that does
// not load is logged, and the one before keeps serving.
func (s *Server) Reload(load LoadFunc) {
	run, err := load()
	if err != nil {
		why := err.Error()
		if why == "" {
			why = "its diagnostics are above"
		}
		s.logf("reload: the spec did not load, the one before is kept: %s", why)
		return
	}
	s.loadMu.Lock()
	s.run = run
	s.loadMu.Unlock()
	s.logf("reload: the spec loaded; the next run uses it")
}

// Loop runs the spec at once and then once an interval until ctx ends;
// runs never overlap. A run under way when ctx ends is cancelled, and
// what it wrote is dropped: the last completed run keeps serving.
func (s *Server) Loop(ctx context.Context) {
	for n := 1; ctx.Err() == nil; n++ {
		start := time.Now()
		s.runOnce(ctx, n)
		wait := s.opts.Interval - time.Since(start)
		if wait <= 0 {
			s.mu.Lock()
			s.overruns++
			s.mu.Unlock()
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// runOnce runs the spec once, its reports to new files, and makes it the
// last completed run, with its changes from the one before.
func (s *Server) runOnce(ctx context.Context, n int) {
	s.loadMu.Lock()
	run := s.run
	s.loadMu.Unlock()
	c := &completed{number: n, tally: tally{maxSeries: s.opts.MaxSeries},
		jsonPath: filepath.Join(s.opts.Dir, fmt.Sprintf("run-%d.json", n)), htmlPath: filepath.Join(s.opts.Dir, fmt.Sprintf("run-%d.html", n))}
	started := s.opts.Now()
	c.err = s.runTo(ctx, run, c)
	if ctx.Err() != nil {
		os.Remove(c.jsonPath)
		os.Remove(c.htmlPath)
		return
	}
	c.ended = s.opts.Now()
	c.took = c.ended.Sub(started)
	if c.err != nil {
		s.logf("run %d could not be made: %v", n, c.err)
	}
	s.mu.RLock()
	before := s.last
	s.mu.RUnlock()
	changes := s.changes(before, c)
	s.mu.Lock()
	s.last = c
	s.runs++
	if changes != nil {
		s.history = append(s.history, *changes)
		if over := len(s.history) - s.opts.History; over > 0 {
			s.history = append(s.history[:0:0], s.history[over:]...)
		}
	}
	s.mu.Unlock()
	if before != nil {
		os.Remove(before.jsonPath)
		os.Remove(before.htmlPath)
	}
}

// runTo runs the spec once with c's reports and tally.
func (s *Server) runTo(ctx context.Context, run RunFunc, c *completed) error {
	jsonFile, err := os.OpenFile(c.jsonPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer jsonFile.Close()
	htmlFile, err := os.OpenFile(c.htmlPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer htmlFile.Close()
	jsonBuf, htmlBuf := bufio.NewWriterSize(jsonFile, 256<<10), bufio.NewWriterSize(htmlFile, 256<<10)
	html, err := report.NewHTML(htmlBuf)
	if err != nil {
		return err
	}
	summary, err := run(ctx, report.Multi{report.NewJSON(jsonBuf), html, &c.tally})
	c.summary = summary
	return errors.Join(err, jsonBuf.Flush(), htmlBuf.Flush(), jsonFile.Close(), htmlFile.Close())
}

// changes diffs the run before against c, logs each change, and keeps
// the first of them for /changes; nil for the first run.
func (s *Server) changes(before, c *completed) *runChanges {
	if before == nil {
		return nil
	}
	rc := &runChanges{Run: c.number, At: c.ended, Changes: []rundiff.Change{}}
	kept := 0 // bytes
	if before.err != nil || c.err != nil {
		rc.Error = "a run could not be made: no changes to tell"
		return rc
	}
	old, err := openReport(before.jsonPath)
	if err != nil {
		rc.Error = err.Error()
		return rc
	}
	defer old.Close()
	cur, err := openReport(c.jsonPath)
	if err != nil {
		rc.Error = err.Error()
		return rc
	}
	defer cur.Close()
	sum, err := rundiff.Changes(rundiff.Input{Name: "run " + fmt.Sprint(before.number), Reader: old.reader},
		rundiff.Input{Name: "run " + fmt.Sprint(c.number), Reader: cur.reader}, func(ch rundiff.Change) error {
			s.logf("run %d: %s: %s", c.number, ch.Kind, ch.Line())
			b, _ := ch.MarshalJSON()
			if len(rc.Changes) < maxChangesKept && kept+len(b) <= maxChangeBytes {
				rc.Changes = append(rc.Changes, ch)
				kept += len(b)
			} else {
				rc.More++
			}
			return nil
		})
	rc.Summary = sum.Counts()
	if err != nil {
		rc.Error = err.Error()
		s.logf("run %d: its changes could not be told: %v", c.number, err)
	}
	return rc
}

// openedReport is a run's JSON report, open for reading.
type openedReport struct {
	f      *os.File
	reader *report.JSONReader
}

func openReport(path string) (*openedReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := report.OpenJSON(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &openedReport{f: f, reader: r}, nil
}

func (o *openedReport) Close() { o.f.Close() }

// logf writes a line to the log with the time; what it says came from a
// spec or a target and is escaped.
func (s *Server) logf(format string, args ...any) {
	if s.opts.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Log, "%s %s\n", s.opts.Now().UTC().Format(time.RFC3339), escape.Text(fmt.Sprintf(format, args...)))
}
