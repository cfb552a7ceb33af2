package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/runner"
)

// Serve is `portspec agent`: it says hello, reads the coordinator's hello
// and options, probes the probes as they come with one runner, and writes
// each try and result as a line, then a summary. A closed stdin before
// the end, or ctx ending, stops the run: the agent exits with nothing
// left behind. version is this portspec's, which must be the
// coordinator's.
func Serve(ctx context.Context, in io.Reader, out io.Writer, version string) error {
	return serve(ctx, in, out, version, &runner.Resolver{})
}

// serve is Serve, resolving the coordinator's names with resolver.
func serve(ctx context.Context, in io.Reader, out io.Writer, version string, resolver *runner.Resolver) error {
	w := &lineWriter{out: out, enc: json.NewEncoder(out)}
	if err := w.send(message{Hello: &Hello{Protocol: Protocol, Version: version, OS: runtime.GOOS, Arch: runtime.GOARCH}}); err != nil {
		return err
	}
	lines := newLineReader(in)
	var hello, opts message
	if err := lines.next(&hello); err != nil || hello.Hello == nil {
		return fmt.Errorf("the coordinator's hello: %v", orMissing(err))
	}
	if err := compatible(*hello.Hello, version); err != nil {
		return err
	}
	if err := lines.next(&opts); err != nil || opts.Options == nil {
		return fmt.Errorf("the coordinator's options: %v", orMissing(err))
	}
	ro := opts.Options.runner()
	// As the coordinator would before probing from its own machine: a far
	// end that cannot send as asked says so, rather than connect or send
	// from addresses whose answers go elsewhere.
	if err := runner.Ready(ro); err != nil {
		return errors.Join(fmt.Errorf("this vantage cannot probe as asked: %w", err), w.send(message{Refused: &wireRefused{Reason: err.Error()}}))
	}
	stopped := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	probes, readErr := readProbes(ctx, cancel, lines, w, resolver)
	if opts.Options.ReverseNames {
		ro.ReverseName = func(a netip.Addr) string { return runner.PTRName(ctx, a, time.Second) }
	}
	r := runner.New(ro)
	n := 0
	err := r.Run(ctx, probes, func(res runner.Result) {
		n++
		wr := resultOf(res.Probe.Ref, res)
		// Not run because a signal stopped the agent: the coordinator
		// makes it an error of the transport, not a skip of the run.
		wr.Stopped = res.Skipped && stopped.Err() != nil
		w.sendResult(&wr)
	})
	if e := readErr(); e != nil {
		return e
	}
	if err != nil && stopped.Err() == nil {
		return err
	}
	s := r.Stats()
	return errors.Join(w.send(message{Summary: &wireSummary{Results: n, ICMPWait: s.ICMPWait, ICMPWaitTargets: s.ICMPWaitTargets,
		Stopped: stopped.Err() != nil}}), w.err)
}

func ptr[T any](v T) *T { return &v }

func orMissing(err error) error {
	if err == nil {
		return errors.New("a message of another kind came")
	}
	return err
}

// compatible refuses a peer of another protocol or portspec version.
func compatible(h Hello, version string) error {
	switch {
	case h.Protocol != Protocol:
		return fmt.Errorf("protocol %d on the other end, %d here", h.Protocol, Protocol)
	case h.Version != version:
		return fmt.Errorf("portspec %s on the other end, %s here: both ends must be one version", quoteCut(h.Version), version)
	}
	return nil
}

// readProbes yields the probes as the coordinator sends them, until its
// end message, and answers its lookups on w as they come: the coordinator
// waits for each answer before it sends the probes of the name. A closed
// stdin or a bad line cancels the run; the error it left is readErr's,
// once the run is over.
func readProbes(ctx context.Context, cancel context.CancelFunc, lines *lineReader, w *lineWriter, resolver *runner.Resolver) (iter.Seq[runner.Probe], func() error) {
	ch := make(chan runner.Probe, 256)
	var mu sync.Mutex
	var failed error
	go func() {
		closed := false
		defer func() {
			if !closed {
				close(ch)
			}
		}()
		// opts[i-1] are the options named i.
		var opts []*runner.ProbeOptions
		for {
			var m message
			err := lines.next(&m)
			switch {
			case err == nil && m.End != nil:
				close(ch)
				closed = true
				watchClose(lines, cancel)
				return
			case err == nil && m.ProbeOptions != nil:
				if m.ProbeOptions.ID != len(opts)+1 || len(opts) == maxProbeOptions {
					err = fmt.Errorf("line %d: probe options %d, where %d come next (at most %d)", lines.line, m.ProbeOptions.ID, len(opts)+1, maxProbeOptions)
					break
				}
				opts = append(opts, &m.ProbeOptions.Opts)
				continue
			case err == nil && m.Resolve != nil:
				if len(m.Resolve.Name) > maxWireName {
					err = fmt.Errorf("line %d: a name to resolve longer than %d bytes", lines.line, maxWireName)
					break
				}
				addrs, lookupErr := resolver.Resolve(m.Resolve.Name)
				w.send(message{Resolved: &wireResolved{ID: m.Resolve.ID, Addrs: addrs, Err: cutText(errText(lookupErr), maxWireText)}})
				continue
			case err == nil && m.Probe != nil:
				var o *runner.ProbeOptions
				if id := m.Probe.Opts; id != 0 {
					if id < 0 || id > len(opts) {
						err = fmt.Errorf("line %d: a probe with options %d, which were not sent", lines.line, id)
						break
					}
					o = opts[id-1]
				}
				select {
				case ch <- m.Probe.probe(o):
				case <-ctx.Done():
					return
				}
				continue
			case err == nil:
				err = errors.New("a message that is neither a probe nor the end")
			case errors.Is(err, io.EOF):
				err = errors.New("the coordinator went away before the end of the probes")
			}
			mu.Lock()
			failed = err
			mu.Unlock()
			cancel()
			return
		}
	}()
	seq := func(yield func(runner.Probe) bool) {
		for p := range ch {
			if !yield(p) {
				return
			}
		}
	}
	return seq, func() error {
		mu.Lock()
		defer mu.Unlock()
		return failed
	}
}

// watchClose waits, after the coordinator's end, for its stdin to close:
// the coordinator closes it once it has the summary, or, stopped itself
// (Ctrl-C), at once, and then the run stops here too. Anything else it
// sends breaks the protocol, and stops the run as well.
func watchClose(lines *lineReader, cancel context.CancelFunc) {
	var m message
	lines.next(&m)
	cancel()
}

// lineWriter writes messages from many goroutines, a line each, and keeps
// the first error.
type lineWriter struct {
	mu  sync.Mutex
	out io.Writer
	enc *json.Encoder
	buf []byte
	err error
}

func (w *lineWriter) send(m message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = w.enc.Encode(m)
	}
	return w.err
}

// sendResult writes a result, by hand when it can (codec.go).
func (w *lineWriter) sendResult(r *wireResult) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	line, ok := appendResultLine(w.buf[:0], r)
	w.buf = line
	if ok {
		_, w.err = w.out.Write(line)
	} else {
		w.err = w.enc.Encode(message{Result: r})
	}
	return w.err
}

// lineReader reads messages a line each, refusing a line over MaxLine.
type lineReader struct {
	sc   *bufio.Scanner
	line int
}

func newLineReader(r io.Reader) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	return &lineReader{sc: sc}
}

// next decodes the next line into m, refusing a key it does not know.
func (l *lineReader) next(m *message) error {
	if !l.sc.Scan() {
		if err := l.sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return fmt.Errorf("line %d is longer than %d bytes", l.line+1, MaxLine)
			}
			return err
		}
		return io.EOF
	}
	l.line++
	*m = message{}
	// The two messages sent by the thousand, in the form this portspec
	// writes them, are read by hand; any other line by encoding/json.
	line := l.sc.Bytes()
	switch {
	case bytes.HasPrefix(line, []byte(`{"result":{`)):
		if r, ok := readResultLine(line); ok {
			m.Result = &r
			return nil
		}
	case bytes.HasPrefix(line, []byte(`{"probe":{`)):
		if p, ok := readProbeLine(line); ok {
			m.Probe = &p
			return nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(l.sc.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return fmt.Errorf("line %d is not a message: %v", l.line, err)
	}
	return nil
}

// quoteCut quotes what the other end said, at most 64 bytes of it, by
// the one escaping rule.
func quoteCut(s string) string { return escape.QuoteCut(s, 64) }
