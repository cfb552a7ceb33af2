package runner

import (
	"cmp"
	"context"
	"iter"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/verdict"
)

// Defaults, after PortQry's.
const (
	DefaultTCPTries = 3
	DefaultUDPTries = 2
	// MaxDefaultConcurrency is the most probes in flight when nothing
	// says how many (DefaultConcurrency). One target may use every slot:
	// a drop-by-default or reject-by-default host's silent ports each
	// hold one for all their tries, and the slots divide its sweep (issue
	// #23's I2, 65,535 muted ports: 19.6 s at 1,024 slots, 6.6 s at 4,096).
	MaxDefaultConcurrency = 4096
	// maxRunning is how many probes may have started and not yet waited
	// on the network (see Run).
	maxRunning        = 64
	synRunning        = 128
	DefaultMinTimeout = 100 * time.Millisecond
	DefaultMaxTimeout = time.Second
	// lossyTries is how many tries silence needs on a host that has been
	// seen to drop packets: at 10% loss, three lost tries in a row happen
	// to one port in a thousand, six to one in a million.
	lossyTries = 6
)

// maxSpare is the most refused sockets a run keeps to connect again
// (tcpSockets): two targets' worth of maxRunning, as a shuffled block of
// a large sweep holds two hosts' ports.
const maxSpare = 2 * maxRunning

// sparesOf is how many refused sockets a run of concurrency keeps at
// most: a sixteenth, up to maxSpare (128 of 4,096).
func sparesOf(concurrency int) int {
	return min(maxSpare, concurrency/16)
}

// Options configure a run. Zero values take the defaults.
type Options struct {
	Concurrency int
	PerHost     int
	Rate        float64 // probes per second; 0 for no limit
	// MinTimeout and MaxTimeout bound the adaptive timeout.
	MinTimeout time.Duration
	MaxTimeout time.Duration
	// SourceAddr binds every probe's socket to an address.
	SourceAddr netip.Addr
	// SourcePrefixes, one an address family at most, send the probes to
	// that family's targets from addresses across the prefix, which this
	// machine must own (CheckSources): a target limits the ICMP errors it
	// sends to each address on its own, so k addresses draw, and prove, k
	// times as many. At most maxSources of each are used.
	SourcePrefixes []netip.Prefix
	// ICMPInterval is how often the targets refill their ICMP error budget
	// (Linux's icmp_ratelimit). A target slower than this can have an
	// error muted where the model believed it had a token; a faster one
	// only costs waiting.
	ICMPInterval time.Duration
	// SYN sends TCP tries as bare SYNs from a raw socket, as nmap -sS
	// does, rather than as connects: on Linux only, with root or
	// CAP_NET_RAW (CheckSYN). Tries that read a banner or need a source
	// port of their own still connect, as do a family's whose raw
	// sockets do not open.
	SYN bool
	// Socket creates sockets on Linux; nil means unix.Socket. Elsewhere
	// probes use the OS's ordinary sockets, and it is not called.
	Socket SocketFunc
	// OnTry, when set, is called after every try, from many goroutines.
	OnTry func(Probe, Try)
	// localSockets lists this machine's sockets for Local probes: /proc,
	// or a test's table. It is called once a Run, when the first comes.
	localSockets func() ([]localports.Socket, error)
	// TraceLimit is how many results a Run traces, of those whose
	// ProbeOptions ask for it; 0 traces none.
	TraceLimit int
	// ReverseName names a trace's hops; nil leaves them unnamed.
	ReverseName func(netip.Addr) string
}

func (o *Options) fill() {
	o.Concurrency = cmp.Or(o.Concurrency, DefaultConcurrency())
	o.PerHost = cmp.Or(o.PerHost, o.Concurrency)
	o.MinTimeout = cmp.Or(o.MinTimeout, DefaultMinTimeout)
	o.MaxTimeout = max(cmp.Or(o.MaxTimeout, DefaultMaxTimeout), o.MinTimeout)
	o.ICMPInterval = cmp.Or(o.ICMPInterval, DefaultICMPInterval)
	if o.Socket == nil {
		o.Socket = defaultSocket
	}
	if !TracesSupported {
		o.TraceLimit = 0
	}
	if o.localSockets == nil {
		o.localSockets = func() ([]localports.Socket, error) { return localports.Read("/proc") }
	}
}

// Runner probes checks.
type Runner struct {
	opts    Options
	limiter *rate.Limiter

	mu sync.Mutex // guards confirm
	// hosts is read by every probe and written once a target: a read
	// lock lets the probes of a sweep look their host up side by side.
	hostsMu sync.RWMutex
	hosts   map[netip.Addr]*host

	budget     *budget
	confirm    map[string]*confirmer // by budget group
	confirmers sync.WaitGroup
	done       chan struct{} // closed when every result is out

	traces  atomic.Int64 // traces begun this run
	traceMu sync.Mutex   // one trace at a time

	// sources4 and sources6 are our addresses the probes to each family
	// go from: a prefix's, or the one SourceAddr names (unset: the
	// kernel's choice).
	sources4, sources6 []netip.Addr
	nextSource         atomic.Uint64

	// syn makes the TCP tries when Options.SYN is set. On Linux a family
	// whose raw sockets do not open connects instead (synEngine.handles);
	// elsewhere every TCP try is the refusal (syn_other.go).
	syn *synEngine
	// tcp makes the connect tries' sockets, and keeps refused ones.
	tcp *tcpSockets
}

// New returns a runner with opts.
func New(opts Options) *Runner {
	opts.fill()
	r := &Runner{opts: opts, hosts: map[netip.Addr]*host{}, sources4: []netip.Addr{opts.SourceAddr}, sources6: []netip.Addr{opts.SourceAddr}}
	for _, prefix := range opts.SourcePrefixes {
		if srcs := Sources(prefix); len(srcs) > 0 {
			if prefix.Addr().Is4() {
				r.sources4 = srcs
			} else {
				r.sources6 = srcs
			}
			r.opts.Socket = freebind(opts.Socket)
		}
	}
	if opts.Rate > 0 {
		r.limiter = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	return r
}

func (r *Runner) host(a netip.Addr) *host {
	r.hostsMu.RLock()
	h, ok := r.hosts[a]
	r.hostsMu.RUnlock()
	if ok {
		return h
	}
	r.hostsMu.Lock()
	defer r.hostsMu.Unlock()
	if h, ok := r.hosts[a]; ok {
		return h
	}
	h = newHost(r.opts.PerHost, r.opts.MinTimeout, r.opts.MaxTimeout)
	r.hosts[a] = h
	return h
}

// Stats say what the last Run waited for.
func (r *Runner) Stats() Stats {
	if r.budget == nil {
		return Stats{}
	}
	return r.budget.stats()
}

// Run probes every probe and calls emit with each result in the order of
// the probes, whatever order they finish in. At most Concurrency probes
// run at once, their sockets and the refused ones kept to connect again
// (tcpSockets) within Concurrency too, and the results of at most 384 a
// slot wait for their turn
// (window), so memory stays flat however many checks there are. When ctx
// ends, probing stops promptly and every probe not finished is emitted
// with Skipped set; Run then returns ctx's error.
//
// Probes are read a block at a time and each block is probed in a shuffled
// order, as nmap shuffles ports: a run of dropped ports, each of which
// holds a per-host slot for all its tries, is spread among quick ones
// instead of filling every slot at once. The shuffle is seeded, so a run's
// timing is repeatable, and it never changes the order of the results.
func (r *Runner) Run(ctx context.Context, probes iter.Seq[Probe], emit func(Result)) error {
	r.budget = newBudget(r.opts.ICMPInterval, time.Now())
	r.done = make(chan struct{})
	r.hosts = map[netip.Addr]*host{}
	r.confirm = map[string]*confirmer{}
	r.traces.Store(0)
	if r.opts.SYN {
		// Its error is CheckSYN's to say: the engine makes what it
		// could not open connect, or refuse each try.
		r.syn, _ = openSYN(r.opts.Socket)
		defer r.syn.close()
	}
	type job struct {
		probe Probe
		n     uint64 // its place in the window
	}
	// The block and the window are sized from the slots up to 1,024:
	// more slots than that serve silent ports, which need no more spread
	// or run-ahead, and would only hold more results in memory.
	scale := min(r.opts.Concurrency, 1024)
	block := 8 * scale
	// At 256 results a slot P5's sweep waited on its proofs' 3.7 s
	// (21.0-22.2 s); 384 took 18.1-19.2 s at 68-71 MB, 512 15.7-19.0 s
	// at 73-86 MB, past the 80 MB issue #23 allows. 24 KiB a slot
	// (24 MiB at 1,024) is 384 compact results' 21 KiB and room for
	// whole ones; where results share no key it holds about 100 a slot.
	results := newWindow(384*scale, 24<<10*scale)
	// A probe is a goroutine of its own, started when a slot is free, so
	// slots that nothing uses cost nothing. Of the probes started, at most
	// maxRunning have not yet waited on the network: ports that answer at
	// once keep the CPUs busy with that many, and the slots are left to
	// ports that make their probes wait, which cost little while they do.
	// Without it, a sweep of closed ports queued thousands of goroutines
	// for two CPUs, each with its stack.
	slots := make(chan struct{}, r.opts.Concurrency)
	// The spare sockets and the sockets of the probes in the slots stay
	// within Concurrency together: a new socket gives a spare up when
	// they would not.
	tcp := newTCPSockets(r.opts.Socket, sparesOf(r.opts.Concurrency), r.opts.Concurrency, func() int { return len(slots) })
	r.tcp = tcp
	running := make(chan struct{}, r.maxRunning())
	// A worker that finished a probe takes the next one that is started
	// while it is idle, so that a sweep of ports that answer at once
	// reuses a few goroutines, their stacks grown, rather than making
	// and growing one a probe. Idle workers are at most the slots.
	idle := make(chan job)
	var workers sync.WaitGroup
	work := func(j job) {
		var once sync.Once
		waits := func() { once.Do(func() { <-running }) }
		r.runProbe(ctx, j.probe, waits, func(res Result) { results.put(j.n, res) })
		waits()
		<-slots
	}
	start := func(j job) bool {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		select {
		case running <- struct{}{}:
		case <-ctx.Done():
			<-slots
			return false
		}
		select {
		case idle <- j:
		default:
			workers.Go(func() {
				work(j)
				for j := range idle {
					work(j)
				}
			})
		}
		return true
	}
	emitted := make(chan struct{})
	go func() {
		defer close(emitted)
		for {
			res, ok := results.take()
			if !ok {
				return
			}
			emit(res)
		}
	}()

	var local *socketTable
	shuffle := rand.New(rand.NewPCG(0x706f7274, 0x73706563)) // "port", "spec"
	pending := make([]job, 0, block)
	dispatch := func() {
		shuffle.Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })
		for _, j := range pending {
			if ctx.Err() != nil {
				results.put(j.n, skipped(j.probe))
				continue
			}
			if !start(j) {
				results.put(j.n, skipped(j.probe))
			}
		}
		pending = pending[:0]
	}
	for p := range probes {
		// The jobs not yet dispatched hold places in the window, and the
		// oldest may be among them: dispatched now, before a full window
		// or a cancelled run (whose probes only fill it) could wait on
		// them for ever.
		if len(pending) > 0 && (ctx.Err() != nil || results.full()) {
			dispatch()
		}
		n := results.enter()
		switch {
		case ctx.Err() != nil:
			results.put(n, skipped(p))
		case p.Unresolved != nil:
			results.put(n, Result{Probe: p, Status: verdict.Error, Err: p.Unresolved, Start: time.Now()})
		case p.Local:
			if local == nil {
				local = readSocketTable(r.opts.localSockets)
			}
			results.put(n, local.result(p))
		default:
			pending = append(pending, job{p, n})
		}
		if len(pending) == block {
			dispatch()
		}
	}
	dispatch()
	close(idle)
	results.close()
	<-emitted
	close(r.done)
	workers.Wait()
	r.confirmers.Wait()
	tcp.close()
	return ctx.Err()
}

// maxRunning is how many probes may have started and not yet waited on
// the network. A SYN try is answered by the receiver, not inside a system
// call of its own, and says it waits only after synPatience, so a sweep
// of SYNs needs more of them running to keep the wire busy: 64 would
// start at most 64 probes every synPatience (I2 with --syn: 6.9 s at 64,
// 5.9 s at 128, 5.6 s at 512). Each is a goroutine that waits, so more
// cost memory: P5 with --syn peaked at 81 MB at 128, 104 MB at 512.
func (r *Runner) maxRunning() int {
	if r.opts.SYN {
		return synRunning
	}
	return maxRunning
}

// sources are our addresses tries to target may go from.
func (r *Runner) sources(target netip.Addr) []netip.Addr {
	if target.Unmap().Is4() {
		return r.sources4
	}
	return r.sources6
}

// sweepSource is the address a check's sweep tries to target go from:
// each check takes the next of the run's addresses of its family.
func (r *Runner) sweepSource(target netip.Addr) netip.Addr {
	srcs := r.sources(target)
	if len(srcs) == 1 {
		return srcs[0]
	}
	return srcs[(r.nextSource.Add(1)-1)%uint64(len(srcs))]
}

func skipped(p Probe) Result {
	return Result{Probe: p, Skipped: true, Err: context.Canceled}
}

// runProbe probes one probe under the per-host cap, and delivers its result
// once: at once, or when the host's confirmer has proven its silence.
// waits is called when the probe first waits, for a slot of its host or
// on the network.
func (r *Runner) runProbe(ctx context.Context, c Probe, waits func(), deliver func(Result)) {
	h := r.host(c.Addr)
	if !h.tryAcquire() {
		waits()
		if err := h.acquire(ctx); err != nil {
			deliver(skipped(c))
			return
		}
	}
	defer h.release()
	r.probe(ctx, c, h, waits, deliver)
}
