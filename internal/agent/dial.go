package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/verdict"
)

// Vantage is a far end: its name, the transport command that reaches it
// (to which the agent's command line is appended), and the portspec
// binary to run there ("portspec": the far end's PATH).
type Vantage struct {
	Name    string
	Command []string
	Binary  string
}

// Lookup resolves a DNS name, as runner.Resolver's Lookup does.
type Lookup func(ctx context.Context, name string) ([]netip.Addr, error)

// Run probes on v's far end the probes that probes makes, one Run of the
// agent's runner. probes is given the Lookup that resolves a name on the
// far end, where a check --from run would resolve it; its probes are made
// as they are sent. Run gives each try to onTry, when its result comes,
// and each result to emit, with its Probe as given (Ref included), from
// one goroutine at a time. When the transport fails (it does not start,
// the agent is refused or killed, it sends what the protocol does not
// allow), every probe not answered yet is an error that says why, with the
// transport's exit status and the last lines of its stderr; when the
// agent refused the options, with its reason alone. When ctx
// ends, they are skipped, and the agent, whose stdin is closed, ends.
func Run(ctx context.Context, v Vantage, version string, opts runner.Options, reverse bool, probes func(Lookup) iter.Seq[runner.Probe],
	onTry func(runner.Probe, runner.Try), emit func(runner.Result)) runner.Stats {
	far := &farLookup{vantage: v.Name}
	seq := probes(far.lookup)
	c := newConn(v, far)
	stats, err := c.run(ctx, version, opts, reverse, seq, onTry, emit)
	var absent absentError
	if errors.As(err, &absent) && v.Binary == "" && ctx.Err() == nil {
		// No portspec of this version there: this one, if it can run
		// there, for this run only.
		dir, uploadErr := upload(ctx, v)
		if uploadErr != nil {
			err = fmt.Errorf("%v; and %v", err, uploadErr)
		} else {
			defer removeUpload(v, dir)
			v.Binary = dir + "/portspec"
			c = newConn(v, far)
			stats, err = c.run(ctx, version, opts, reverse, seq, onTry, emit)
		}
	}
	c.finish(ctx, err, seq, emit)
	return stats
}

// ErrNotAsked is the error of a lookup the far end did not answer because
// no agent was there to ask, or to wait for (it did not start, broke the
// protocol, or the run was stopped): the log has no lookup to report, and
// the checks of the name get the transport's error.
var ErrNotAsked = errors.New("no agent to ask")

// notAsked is ErrNotAsked for a lookup of vantage's.
func notAsked(vantage string) error { return fmt.Errorf("vantage %s: %w", vantage, ErrNotAsked) }

// farLookup is the Lookup a vantage's probes resolve names with: while a
// conn sends its probes, ask is the sender's, which asks the agent;
// otherwise (no agent answered, and finish makes each probe an error)
// a name does not resolve.
type farLookup struct {
	vantage string
	mu      sync.Mutex
	ask     func(ctx context.Context, name string) ([]netip.Addr, error)
}

func (f *farLookup) lookup(ctx context.Context, name string) ([]netip.Addr, error) {
	f.mu.Lock()
	ask := f.ask
	f.mu.Unlock()
	if ask == nil {
		return nil, notAsked(f.vantage)
	}
	return ask(ctx, name)
}

func (f *farLookup) set(ask func(context.Context, string) ([]netip.Addr, error)) {
	f.mu.Lock()
	f.ask = ask
	f.mu.Unlock()
}

// conn is one vantage's transport and what went through it.
type conn struct {
	v   Vantage
	far *farLookup
	// answers hands the agent's answer to a lookup from the receiver to
	// the sender, which waits for it; asking is the id of the lookup it
	// waits for, -1 when none.
	answers chan wireResolved
	// room holds a token for each probe sent and not answered, at most
	// maxInFlight.
	room   chan struct{}
	mu     sync.Mutex
	asking int
	// inFlight are the probes sent and not answered yet, in order: a
	// runner answers in the order it was given, so the next result is
	// the head's, and next is the head's id. Answered probes are let go,
	// so that memory stays flat however many a vantage has: the agent's
	// runner, its channel and the pipe hold at most some tens of
	// thousands ahead of their results.
	inFlight []runner.Probe
	next     int
	// started says the sender ran, which takes every probe into inFlight.
	started bool
}

func newConn(v Vantage, far *farLookup) *conn {
	return &conn{v: v, far: far, answers: make(chan wireResolved, 1), asking: -1, room: make(chan struct{}, maxInFlight)}
}

// maxInFlight is the most probes sent and not answered: a working agent
// holds at most some tens of thousands ahead of their results (its
// window, its queue, the pipe), and one that reads probes and never
// answers holds the sender here, at about 100 bytes a probe, however many
// the spec, or the far end's own lookups, make.
const maxInFlight = 1 << 18

// stderrTail keeps the last lines of the transport's stderr.
type stderrTail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 2048

func (t *stderrTail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > 2*tailBytes {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(b), nil
}

// lines are the last few lines, escaped: the far end's words.
func (t *stderrTail) lines() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := string(t.buf)
	if len(text) > tailBytes {
		text = text[len(text)-tailBytes:]
	}
	all := strings.Split(strings.TrimSpace(text), "\n")
	if len(all) > 5 {
		all = all[len(all)-5:]
	}
	return escape.Text(strings.Join(all, " / "))
}

func (c *conn) run(ctx context.Context, version string, opts runner.Options, reverse bool, probes iter.Seq[runner.Probe],
	onTry func(runner.Probe, runner.Try), emit func(runner.Result)) (runner.Stats, error) {
	binary := c.v.Binary
	if binary == "" {
		binary = "portspec"
	}
	args := append(append([]string(nil), c.v.Command...), binary, "agent")
	cmd := exec.Command(args[0], args[1:]...)
	tail := &stderrTail{}
	cmd.Stderr = tail
	// A helper that outlives the transport holding its stderr (an SSH
	// ControlPersist master) must not hold the run either.
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return runner.Stats{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return runner.Stats{}, err
	}
	if err := cmd.Start(); err != nil {
		return runner.Stats{}, fmt.Errorf("transport %s: %v", strings.Join(c.v.Command, " "), err)
	}
	// Killing the transport also ends the reading of its stdout: a
	// descendant that keeps it open (sudo, a wrapper) must not hold the
	// run.
	kill := func() {
		cmd.Process.Kill()
		stdout.Close()
	}
	// Ctrl-C: the agent's stdin closes, and it ends; a transport that
	// does not within a few seconds is killed.
	stop := context.AfterFunc(ctx, func() {
		stdin.Close()
		time.AfterFunc(5*time.Second, kill)
	})
	defer stop()
	stats, protoErr := c.talk(ctx, stdin, stdout, version, opts, reverse, probes, onTry, emit)
	stdin.Close()
	killed := protoErr != nil
	if killed {
		// A far end that broke the protocol is not read further: it
		// could write for ever.
		cmd.Process.Kill()
	} else {
		// The summary came: a far end that does not end soon after is
		// ended, so that one vantage cannot hold every report.
		t := time.AfterFunc(5*time.Second, kill)
		defer t.Stop()
	}
	io.Copy(io.Discard, io.LimitReader(stdout, MaxLine))
	waitErr := cmd.Wait()
	if protoErr == nil {
		return stats, nil
	}
	if errors.As(protoErr, new(refusedError)) {
		// Its exit status and stderr say the same again.
		return stats, protoErr
	}
	// What the transport says of itself: how it ended, unless we ended
	// it, and the last lines of its stderr.
	var said []string
	var exitErr *exec.ExitError
	ourKill := killed && errors.As(waitErr, &exitErr) && exitErr.ExitCode() < 0
	if waitErr != nil && !ourKill {
		said = append(said, "the transport: "+waitErr.Error())
	}
	if lines := tail.lines(); lines != "" {
		said = append(said, "its stderr: "+lines)
	}
	if len(said) == 0 {
		return stats, protoErr
	}
	return stats, fmt.Errorf("%w; %s", protoErr, strings.Join(said, "; "))
}

// refusedError is an agent's refusal of the options, in its words.
type refusedError struct{ reason string }

func (e refusedError) Error() string {
	return "the agent cannot probe as asked: " + escape.TextCut(e.reason, refusalBytes)
}

// refusalBytes bounds the far end's reason, as tailBytes bounds its
// stderr: it is repeated in every check of the vantage.
const refusalBytes = 512

// errNoHello is a transport whose far end said no hello.
var errNoHello = errors.New("no agent answered")

// talk is the protocol: hellos, options, probes out and results in.
func (c *conn) talk(ctx context.Context, stdin io.WriteCloser, stdout io.Reader, version string, opts runner.Options, reverse bool,
	probes iter.Seq[runner.Probe], onTry func(runner.Probe, runner.Try), emit func(runner.Result)) (runner.Stats, error) {
	lines := newLineReader(stdout)
	var hello message
	if err := lines.next(&hello); err != nil || hello.Hello == nil {
		e := fmt.Errorf("%w: %v", errNoHello, orMissing(err))
		if errors.Is(err, io.EOF) {
			// Nothing said a word of the protocol: no portspec there.
			return runner.Stats{}, absentError{e}
		}
		return runner.Stats{}, e
	}
	if err := compatible(*hello.Hello, version); err != nil {
		return runner.Stats{}, absentError{fmt.Errorf("the agent on %s/%s: %v", quoteCut(hello.Hello.OS), quoteCut(hello.Hello.Arch), err)}
	}
	out := bufio.NewWriter(stdin)
	enc := json.NewEncoder(out)
	o := optionsOf(opts, reverse)
	// A far end that cannot take them is still read: what it says is
	// the better account of what went wrong.
	headErr := errors.Join(enc.Encode(message{Hello: &Hello{Protocol: Protocol, Version: version}}), enc.Encode(message{Options: &o}), out.Flush())
	sending, cancel := context.WithCancel(ctx)
	defer cancel()
	sendErr := make(chan error, 1)
	if headErr == nil {
		c.mu.Lock()
		c.started = true
		c.mu.Unlock()
		go func() { sendErr <- c.send(sending, out, enc, probes) }()
	} else {
		sendErr <- headErr
	}
	stats, err := c.receive(ctx, lines, onTry, emit)
	cancel()
	// A sender blocked on an agent that reads no more is set free.
	stdin.Close()
	if e := <-sendErr; err == nil && e != nil && ctx.Err() == nil {
		err = fmt.Errorf("sending to the agent: %v", e)
	}
	// The sender has taken every probe by now: a summary that came
	// before their results leaves them unanswered.
	if missing := len(c.unanswered()); err == nil && missing > 0 {
		err = fmt.Errorf("the agent's summary came with %d probes unanswered", missing)
	}
	return stats, err
}

// send writes every probe, then the end, flushing every 64 so that the
// agent starts at once. Once the writing fails, or ctx ends, the probes
// left are only taken into inFlight, for finish to give each a result.
func (c *conn) send(ctx context.Context, out *bufio.Writer, enc *json.Encoder, probes iter.Seq[runner.Probe]) error {
	var err error
	// The probes resolve their names here, as they are made: each lookup
	// is asked of the agent and its answer waited for, as long as the
	// transport lives. The agent bounds its own lookups (runner.Resolver's
	// 5 seconds), so the deadline of the coordinator's is not watched: a
	// far end that never answers holds its vantage as one that never
	// answers a probe does, until the run is stopped.
	lookups := 0
	c.far.set(func(_ context.Context, name string) ([]netip.Addr, error) {
		if err != nil || ctx.Err() != nil {
			return nil, notAsked(c.v.Name)
		}
		id := lookups
		lookups++
		c.mu.Lock()
		c.asking = id
		c.mu.Unlock()
		if err = errors.Join(enc.Encode(message{Resolve: &wireResolve{ID: id, Name: name}}), out.Flush()); err != nil {
			return nil, err
		}
		select {
		case a := <-c.answers:
			return a.Addrs, textErr(a.Err)
		case <-ctx.Done():
			return nil, notAsked(c.v.Name)
		}
	})
	defer c.far.set(nil)
	// optsID names each probe options sent; a block's probes share one.
	optsID := map[*runner.ProbeOptions]int{}
	var buf []byte
	for p := range probes {
		if err == nil && ctx.Err() == nil {
			select {
			case c.room <- struct{}{}:
			case <-ctx.Done():
			}
		}
		id := c.take(p)
		if err != nil || ctx.Err() != nil {
			continue
		}
		opts := 0
		if p.Opts != nil {
			if opts = optsID[p.Opts]; opts == 0 {
				opts = len(optsID) + 1
				optsID[p.Opts] = opts
				err = enc.Encode(message{ProbeOptions: &wireProbeOptions{ID: opts, Opts: *p.Opts}})
			}
		}
		if err == nil {
			// By hand when it can (codec.go).
			line, ok := appendProbeLine(buf[:0], id, opts, p)
			buf = line
			if ok {
				_, err = out.Write(line)
			} else {
				err = enc.Encode(message{Probe: ptr(probeOf(id, opts, p))})
			}
		}
		if err == nil && id%64 == 63 {
			err = out.Flush()
		}
	}
	if err == nil && ctx.Err() == nil {
		err = errors.Join(enc.Encode(message{End: &struct{}{}}), out.Flush())
	}
	return err
}

// take keeps p as sent, and returns its id.
func (c *conn) take(p runner.Probe) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight = append(c.inFlight, p)
	return c.next + len(c.inFlight) - 1
}

// receive reads results until the summary.
func (c *conn) receive(ctx context.Context, lines *lineReader, onTry func(runner.Probe, runner.Try), emit func(runner.Result)) (runner.Stats, error) {
	for {
		var m message
		if err := lines.next(&m); err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the agent ended before its summary")
			}
			return runner.Stats{}, err
		}
		switch {
		case m.Result != nil:
			if err := m.Result.check(); err != nil {
				return runner.Stats{}, fmt.Errorf("line %d: %v", lines.line, err)
			}
			if m.Result.Skipped && !m.Result.Stopped && ctx.Err() == nil {
				return runner.Stats{}, fmt.Errorf("line %d: the agent skipped probe %d, which only a stop may do", lines.line, m.Result.ID)
			}
			p, ok := c.probe(m.Result.ID, true)
			if !ok {
				return runner.Stats{}, fmt.Errorf("line %d: a result for probe %d, which was not sent, is answered already, or is out of order", lines.line, m.Result.ID)
			}
			if onTry != nil {
				// The log's tries, as they were made: they ride in
				// the result rather than a line each.
				for _, t := range m.Result.Evidence.Tries {
					onTry(p, t.try())
				}
			}
			if m.Result.Stopped {
				emit(runner.Result{Probe: p, Status: verdict.Error, Start: time.Now(),
					Err: fmt.Errorf("vantage %s: the agent was stopped, by a signal on the far end, before it probed this", c.v.Name)})
				continue
			}
			emit(m.Result.result(p))
		case m.Resolved != nil:
			if err := m.Resolved.check(); err != nil {
				return runner.Stats{}, fmt.Errorf("line %d: %v", lines.line, err)
			}
			c.mu.Lock()
			asked := c.asking
			c.asking = -1
			c.mu.Unlock()
			if asked < 0 || m.Resolved.ID != asked {
				return runner.Stats{}, fmt.Errorf("line %d: an answer to lookup %d, which was not asked or is answered already", lines.line, m.Resolved.ID)
			}
			c.answers <- *m.Resolved // the sender waits for it
		case m.Refused != nil:
			return runner.Stats{}, refusedError{m.Refused.Reason}
		case m.Summary != nil && m.Summary.Stopped:
			return runner.Stats{}, errors.New("the agent was stopped, by a signal on the far end, before it answered")
		case m.Summary != nil:
			if missing := c.unanswered(); len(missing) > 0 {
				return runner.Stats{}, fmt.Errorf("the agent's summary came with %d probes unanswered", len(missing))
			}
			return runner.Stats{ICMPWait: m.Summary.ICMPWait, ICMPWaitTargets: m.Summary.ICMPWaitTargets}, nil
		default:
			return runner.Stats{}, fmt.Errorf("line %d: a message an agent does not send", lines.line)
		}
	}
}

// probe is the probe sent as id and not answered yet; answer takes it as
// answered, which only the head can be.
func (c *conn) probe(id int, answer bool) (runner.Probe, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id < c.next || id >= c.next+len(c.inFlight) || answer && id != c.next {
		return runner.Probe{}, false
	}
	p := c.inFlight[id-c.next]
	if answer {
		c.inFlight[0] = runner.Probe{}
		c.inFlight = c.inFlight[1:]
		c.next++
		select {
		case <-c.room:
		default: // a probe taken after the sending stopped had none
		}
	}
	return p, true
}

func (c *conn) unanswered() []runner.Probe {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.inFlight)
}

// finish gives every probe without a result one: skipped when ctx ended,
// else an error naming err. When the sender never ran (no agent
// answered), the probes are taken here.
func (c *conn) finish(ctx context.Context, err error, probes iter.Seq[runner.Probe], emit func(runner.Result)) {
	if err == nil && ctx.Err() == nil && len(c.unanswered()) == 0 {
		return
	}
	if err == nil {
		err = errors.New("the agent left probes unanswered")
	}
	c.mu.Lock()
	started := c.started
	c.mu.Unlock()
	if !started {
		for p := range probes {
			c.take(p)
		}
	}
	for _, p := range c.unanswered() {
		if ctx.Err() != nil {
			emit(runner.Result{Probe: p, Skipped: true, Err: context.Canceled})
			continue
		}
		emit(runner.Result{Probe: p, Status: verdict.Error, Err: fmt.Errorf("vantage %s: %v", c.v.Name, err), Start: time.Now()})
	}
}
