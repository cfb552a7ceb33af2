//go:build linux && !portspec_portable

package runner

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// SYNSupported says whether this build can send TCP tries as bare SYNs
// (Options.SYN).
const SYNSupported = true

// synEngine sends TCP tries as bare SYNs from a raw socket, as nmap -sS
// and masscan do, and matches what comes back to the try it answers: a
// SYN-ACK or a RST acknowledging the try's sequence number, or an ICMP
// error quoting it. No socket, connect or close is made a try: a closed
// port costs the kernel one packet out and one in, where a connect costs
// it a socket's life (issue #23, "Where a sweep's time goes"). A port that
// answers SYN-ACK is left to this machine's kernel, which owns no
// connection for it and resets it, so no connection is ever made.
//
// A family's tries go from a block of synPorts source ports, held by
// bound TCP sockets so that nothing else on this machine takes them: a
// check's successive tries each take the next port of the block, since a
// SYN on the 4-tuple of an earlier one meets that one's state (a
// listener's half-open request answers it with a bare ACK; a stateful
// firewall may call its answers invalid), as nmap varies its source port
// for a retry. Tries are told apart by their sequence numbers, which rise
// from a random start, so that a SYN never goes out on a 4-tuple below
// an earlier one's.
type synEngine struct {
	families [2]*synFamily // IPv4, IPv6
	// began is when the engine opened: the drains' clock, monotonic.
	began time.Time
	seq   atomic.Uint32

	mu      sync.Mutex
	waiting map[synKey]*synWait
}

// synFamily is one address family's sockets.
type synFamily struct {
	v6     bool
	domain int    // AF_INET or AF_INET6
	ports  uint16 // the first of our synPorts source ports
	holds  []int  // the bound TCP sockets that hold them
	tcp    *rawSocket
	icmp   *rawSocket
	// sources caches the address the kernel sends from to a target, which
	// the TCP checksum covers.
	sources   sync.Map // netip.Addr → netip.Addr
	newSocket SocketFunc
	err       error // why the family could not be opened

	// gatherMu guards gathering, the drain that has not begun yet, closed
	// when it is done. draining serializes drains; drained is when the
	// last one began, since the engine's began.
	gatherMu            sync.Mutex
	gathering           chan struct{}
	draining            sync.Mutex
	drained             atomic.Int64
	drainTCP, drainICMP func(fd uintptr)
	// drops is what the sockets had dropped at the last drain.
	drops atomic.Uint64
}

// ownPort says whether port is one of the family's source ports.
func (f *synFamily) ownPort(port uint16) bool {
	return port >= f.ports && port-f.ports < synPorts
}

// rawSocket is a raw socket on Go's network poller. reading is held
// from a packet's recvfrom until it is handed to its try, so that a
// drain that takes it knows no packet is on its way between the two.
type rawSocket struct {
	*probeSocket
	reading sync.Mutex
	// The sender of the packet read, under reading; and the socket's
	// memory (SO_MEMINFO) as the last drain read it, written under
	// reading and read under the family's draining.
	from   unix.RawSockaddrAny
	mem    [skMeminfoVars]uint32
	memErr syscall.Errno
}

// synKey names one try: its target and its sequence number.
type synKey struct {
	target netip.AddrPort
	seq    uint32
}

// synWait is one try waiting for its answer. It is a deadliner, so the
// host's adaptive timeout can move its deadline as it does a socket's.
// A try's wait is taken from synWaits and given back when the try ends,
// its channel, timer and message reused: a silent sweep makes hundreds of
// thousands of tries, and their garbage cost it more than its SYNs did.
type synWait struct {
	answer   chan synAnswer // the first answer; buffered
	timer    *time.Timer
	mu       sync.Mutex
	deadline time.Time
	message  *synMessage
}

// synAnswer is an answer, and the sequence number of the SYN it answers.
type synAnswer struct {
	seq uint32
	out outcome
}

var synWaits = sync.Pool{New: func() any {
	w := &synWait{answer: make(chan synAnswer, 1), timer: time.NewTimer(time.Hour), message: newSYNMessage()}
	w.timer.Stop()
	return w
}}

func (w *synWait) SetDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.deadline = t
	w.timer.Reset(time.Until(t))
	return nil
}

// due says whether the deadline has passed: the timer may have rung for
// a deadline since moved.
func (w *synWait) due() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !time.Now().Before(w.deadline)
}

// release gives the wait back for another try. Nothing can send to it by
// then (answer sends under the engine's lock, and the try's key is gone
// from waiting), and a stopped timer delivers nothing stale (Go 1.23's
// timers), so the next try starts with empty channels.
func (w *synWait) release() {
	w.timer.Stop()
	select {
	case <-w.answer:
	default:
	}
	synWaits.Put(w)
}

// synPatience is how long a try waits for its answer before it says it
// waits on the network (the watch): a near target's answer comes sooner,
// and the try is then done without another probe started meanwhile, each
// a goroutine with its stack (Run's maxRunning).
const synPatience = 2 * time.Millisecond

// openSYN opens the raw sockets of both families. It needs CAP_NET_RAW.
// A family that cannot be opened (a machine without IPv6) keeps its
// error, and its probes connect (handles); the error returned is the
// IPv4 family's, or nil.
func openSYN(newSocket SocketFunc) (*synEngine, error) {
	e := &synEngine{waiting: map[synKey]*synWait{}, began: time.Now()}
	e.seq.Store(rand.Uint32())
	for i, v6 := range []bool{false, true} {
		f, err := openSYNFamily(newSocket, v6)
		e.families[i] = f
		if err != nil {
			f.err = err
			continue
		}
		go f.receive(f.tcp, e, f.parseTCP)
		go f.receive(f.icmp, e, f.parseICMP)
	}
	return e, e.families[0].err
}

func openSYNFamily(newSocket SocketFunc, v6 bool) (f *synFamily, err error) {
	domain, icmpProto, name := unix.AF_INET, unix.IPPROTO_ICMP, "IPv4"
	if v6 {
		domain, icmpProto, name = unix.AF_INET6, unix.IPPROTO_ICMPV6, "IPv6"
	}
	f = &synFamily{v6: v6, domain: domain, newSocket: newSocket}
	defer func() {
		if err != nil {
			f.close()
			err = fmt.Errorf("SYN tries over %s: %w", name, err)
		}
	}()
	if err = f.holdPorts(); err != nil {
		return f, err
	}
	if f.tcp, err = openRaw(newSocket, domain, unix.IPPROTO_TCP); err != nil {
		return f, err
	}
	f.tcp.raw.Control(func(fd uintptr) {
		if err = setReceiveBuffer(int(fd)); err == nil {
			err = attachFilter(int(fd), f.portFilter())
		}
	})
	if err != nil {
		return f, err
	}
	if f.icmp, err = openRaw(newSocket, domain, icmpProto); err != nil {
		return f, err
	}
	// Many targets' bursts of errors at once (six each, on Linux) would
	// overflow the default buffer too.
	f.icmp.raw.Control(func(fd uintptr) { err = setReceiveBuffer(int(fd)) })
	if err != nil {
		return f, err
	}
	// Without the drop counts, a silence could not be told from an
	// answer this machine dropped (see try).
	var errno syscall.Errno
	f.tcp.raw.Control(func(fd uintptr) { errno = f.tcp.memInfo(fd) })
	if errno != 0 {
		return f, fmt.Errorf("reading a raw socket's drops (SO_MEMINFO): %w", errno)
	}
	return f, nil
}

// holdPorts binds synPorts TCP sockets, one to each port of a block
// drawn at random from the ephemeral range, and tries other blocks
// while one of its ports is taken.
func (f *synFamily) holdPorts() error {
	const lowest, highest = 32768, 60999 // Linux's default ip_local_port_range
	var err error
	for range 64 {
		f.closeHolds()
		f.ports = uint16(lowest + rand.IntN(highest-lowest-synPorts))
		for i := range uint16(synPorts) {
			var fd int
			if fd, err = f.newSocket(f.domain, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
				return fmt.Errorf("socket: %w", err)
			}
			f.holds = append(f.holds, fd)
			if err = unix.Bind(fd, sockaddr(f.domain, netip.AddrPortFrom(netip.Addr{}, f.ports+i))); err != nil {
				break
			}
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("holding %d source ports in a row: %w", synPorts, err)
}

func (f *synFamily) closeHolds() {
	for _, fd := range f.holds {
		unix.Close(fd)
	}
	f.holds = nil
}

// setReceiveBuffer gives a raw socket synBuffer to receive into, or as
// much of it as net.core.rmem_max allows without CAP_NET_ADMIN.
func setReceiveBuffer(fd int) error {
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, synBuffer) == nil {
		return nil
	}
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, synBuffer)
}

func openRaw(newSocket SocketFunc, domain, proto int) (*rawSocket, error) {
	fd, err := newSocket(domain, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		if errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("a raw socket needs CAP_NET_RAW, which root has unless it was dropped: %w", err)
		}
		return nil, fmt.Errorf("raw socket: %w", err)
	}
	s, err := register(fd, "raw")
	if err != nil {
		return nil, err
	}
	return &rawSocket{probeSocket: s}, nil
}

// portFilter passes only TCP segments to our source ports, so that the
// raw socket is not handed every TCP packet this machine receives. An
// IPv4 raw socket reads the IP header first, an IPv6 one the TCP header.
func (f *synFamily) portFilter() []bpf.Instruction {
	load := []bpf.Instruction{bpf.LoadAbsolute{Off: 2, Size: 2}}
	if !f.v6 {
		load = []bpf.Instruction{bpf.LoadMemShift{Off: 0}, bpf.LoadIndirect{Off: 2, Size: 2}}
	}
	return append(load,
		bpf.JumpIf{Cond: bpf.JumpLessThan, Val: uint32(f.ports), SkipTrue: 2},
		bpf.JumpIf{Cond: bpf.JumpGreaterThan, Val: uint32(f.ports) + synPorts - 1, SkipTrue: 1},
		bpf.RetConstant{Val: 1 << 16},
		bpf.RetConstant{Val: 0},
	)
}

func attachFilter(fd int, prog []bpf.Instruction) error {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return err
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, ins := range raw {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]})
}

func (e *synEngine) close() {
	for _, f := range e.families {
		if f.err == nil {
			f.close()
		}
	}
}

func (f *synFamily) close() {
	for _, s := range []*rawSocket{f.tcp, f.icmp} {
		if s != nil {
			s.file.Close()
		}
	}
	f.closeHolds()
}

func (e *synEngine) family(a netip.Addr) *synFamily {
	if a.Unmap().Is4() {
		return e.families[0]
	}
	return e.families[1]
}

// handles says whether the engine makes a try from our port sport to
// target. A probe with a source port of its own is left to a connect, as
// is one aimed at a port of our block (it would meet our own RST) or at
// the unspecified address (which only a connect takes for this machine),
// and every probe of a family this machine cannot open raw sockets for
// (openSYN: IPv6 where there is none).
func (e *synEngine) handles(target netip.AddrPort, sport uint16) bool {
	f := e.family(target.Addr())
	return sport == 0 && f.err == nil && !f.ownPort(target.Port()) && !target.Addr().IsUnspecified()
}

// try sends one SYN to target from src (unset: the kernel's choice), the
// n-th try of its check, and waits until it is answered, its deadline
// passes (silence) or ctx ends.
//
// A raw socket whose receive buffer is full drops the target's answers
// here, where a connect's socket would have had them: a closed port's
// lost RST would pass for a filter's silence, and a lost ICMP error for
// one the target's rate limit muted. A silence during which either
// socket dropped anything is therefore an error that says so, never a
// state; and the ICMP budget counts it as an error from the target
// (spentBy), since the target may have spent a token on it.
func (e *synEngine) try(ctx context.Context, target netip.AddrPort, src netip.Addr, n int, timeout time.Duration, watch func(deadliner) func()) outcome {
	target, f, src, err := e.route(target, src)
	if err != nil {
		return localOutcome(err)
	}
	dropped := f.drops.Load()
	out := e.attempt(ctx, f, target, src, f.ports+uint16(n%synPorts), timeout, watch)
	if out.signal == Silence && f.drops.Load() != dropped {
		return localOutcome(errAnswersDropped)
	}
	return out
}

// attempt sends one SYN from our port sport and waits for its answer.
func (e *synEngine) attempt(ctx context.Context, f *synFamily, target netip.AddrPort, src netip.Addr, sport uint16, timeout time.Duration, watch func(deadliner) func()) outcome {
	w := synWaits.Get().(*synWait)
	defer w.release()
	key := e.register(target, w)
	defer e.unregister(key)
	start, patient := time.Now(), timeout > synPatience
	w.SetDeadline(start.Add(min(timeout, synPatience)))
	if err := f.send(w.message, src, sport, target, key.seq); err != nil {
		return localOutcome(err)
	}
	for {
		select {
		case a := <-w.answer:
			return a.out
		case <-ctx.Done():
			return localOutcome(ctx.Err())
		case <-w.timer.C:
		}
		if patient {
			patient = false
			w.SetDeadline(start.Add(timeout))
			if watch != nil {
				defer watch(w)()
			}
			continue
		}
		if w.due() {
			break
		}
	}
	// On a busy machine the answer may have come in time and the receiver
	// not yet read it: silence must mean nothing came, not that nobody
	// looked.
	f.drain(e, e.since(), true)
	select {
	case a := <-w.answer:
		return a.out
	default:
		return outcome{signal: Silence}
	}
}

// register gives a SYN to target a sequence number no try waiting for
// target has, and has its answer sent to w.
func (e *synEngine) register(target netip.AddrPort, w *synWait) synKey {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		key := synKey{target, e.seq.Add(1)}
		if _, taken := e.waiting[key]; !taken {
			e.waiting[key] = w
			return key
		}
	}
}

func (e *synEngine) unregister(keys ...synKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, key := range keys {
		delete(e.waiting, key)
	}
}

// burst sends up to count SYNs to target from src, each from the next
// port of the block after the n-th and gap after the one before, and
// waits until one of them is answered or the last one's timeout has
// passed. begin is called before each SYN; waits once the burst waits on
// the network (see attempt's patience). It returns an outcome for each
// SYN sent, in order, and at, the one answered (-1 for none): so each
// SYN is waited for its whole timeout unless another is answered first,
// and a port's tries hold it for two gaps more than one timeout rather
// than for three timeouts (see Runner.burst).
//
// The silences before an answer were cut short by it: a drain makes sure
// of them, and if either socket dropped anything meanwhile, they say so
// (dropsSaid).
func (e *synEngine) burst(ctx context.Context, target netip.AddrPort, src netip.Addr, n, count int, gap, timeout time.Duration, waits func(), begin func()) (outs []outcome, at int) {
	begin()
	target, f, src, err := e.route(target, src)
	if err != nil {
		return []outcome{localOutcome(err)}, -1
	}
	w := synWaits.Get().(*synWait)
	defer w.release()
	var keys [8]synKey
	count = min(count, len(keys))
	outs = make([]outcome, 0, count)
	registered := 0
	defer func() { e.unregister(keys[:registered]...) }()
	dropped := f.drops.Load()
	began, patient := time.Now(), true
	var last time.Time // when the last SYN went
	for {
		if len(outs) < count && !time.Now().Before(began.Add(time.Duration(len(outs))*gap)) {
			if len(outs) > 0 {
				begin()
			}
			keys[registered] = e.register(target, w)
			registered++
			if err := f.send(w.message, src, f.ports+uint16((n+len(outs))%synPorts), target, keys[len(outs)].seq); err != nil {
				return append(outs, localOutcome(err)), -1
			}
			outs = append(outs, outcome{signal: Silence})
			last = time.Now()
			continue
		}
		wake := last.Add(timeout)
		if len(outs) < count {
			wake = began.Add(time.Duration(len(outs)) * gap)
		}
		if patience := began.Add(min(timeout, synPatience)); patient && patience.Before(wake) {
			wake = patience
		}
		w.SetDeadline(wake)
		select {
		case a := <-w.answer:
			if at = answered(outs, keys[:len(outs)], a); at < 0 {
				continue // cannot be; and silences not waited for are not silences
			}
			if at > 0 {
				// Make sure of the silences before it, and take any
				// answer to them the receiver had not handed over: at
				// once, since the answer's try is waiting on it.
				f.drain(e, e.since(), false)
				select {
				case a := <-w.answer:
					if i := answered(outs, keys[:len(outs)], a); i >= 0 && i < at {
						at = i
					}
				default:
				}
			}
			return dropsSaid(outs, at, f.drops.Load() != dropped), at
		case <-ctx.Done():
			for i := range outs {
				outs[i] = localOutcome(ctx.Err())
			}
			return outs, -1
		case <-w.timer.C:
		}
		if patient && time.Since(began) >= synPatience {
			patient = false
			waits()
		}
		if len(outs) == count && !time.Now().Before(last.Add(timeout)) {
			break
		}
	}
	f.drain(e, e.since(), true)
	at = -1
	select {
	case a := <-w.answer:
		at = answered(outs, keys[:len(outs)], a)
	default:
	}
	return dropsSaid(outs, at, f.drops.Load() != dropped), at
}

// dropsSaid marks the silences of outs before at (all of them, for -1)
// when this machine dropped answers while they waited. With no answer
// they are errAnswersDropped, as a try's silence would be. Before an
// answer they stay silences, so that the answer decides, with the error
// beside them: the budget then counts each as an error the target may
// have spent a token on (spentBy), and the run as a loss, which can only
// make it more careful.
func dropsSaid(outs []outcome, at int, dropped bool) []outcome {
	for i := range outs {
		if !dropped || outs[i].signal != Silence || at >= 0 && i >= at {
			continue
		}
		if at < 0 {
			outs[i] = localOutcome(errAnswersDropped)
		} else {
			outs[i].err = errAnswersDropped
		}
	}
	return outs
}

// answered puts a, the answer to one of the SYNs keys names, in its place
// among outs, and says which it is.
func answered(outs []outcome, keys []synKey, a synAnswer) int {
	for i, key := range keys {
		if key.seq == a.seq {
			outs[i] = a.out
			return i
		}
	}
	return -1 // cannot be: only the answers to keys come to the wait
}

// route is what a SYN to target from src needs: the target unmapped, its
// family, and the address it goes from (src, or the kernel's choice when
// src is unset).
func (e *synEngine) route(target netip.AddrPort, src netip.Addr) (netip.AddrPort, *synFamily, netip.Addr, error) {
	target = netip.AddrPortFrom(target.Addr().Unmap(), target.Port())
	f := e.family(target.Addr())
	if f.err != nil {
		return target, f, src, f.err
	}
	src = src.Unmap()
	if !src.IsValid() || src.IsUnspecified() {
		var err error
		if src, err = f.source(target); err != nil {
			return target, f, src, err
		}
	}
	return target, f, src, nil
}

// since is the time since the engine opened, on the monotonic clock.
func (e *synEngine) since() int64 { return int64(time.Since(e.began)) }

// source is the address this machine sends from to target.
func (f *synFamily) source(target netip.AddrPort) (netip.Addr, error) {
	if a, ok := f.sources.Load(target.Addr()); ok {
		return a.(netip.Addr), nil
	}
	fd, err := f.newSocket(f.domain, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, sockaddr(f.domain, target)); err != nil {
		return netip.Addr{}, fmt.Errorf("no route to %s: %w", target.Addr(), err)
	}
	local, err := unix.Getsockname(fd)
	if err != nil {
		return netip.Addr{}, err
	}
	a := addrPortOf(local).Addr()
	f.sources.Store(target.Addr(), a)
	return a, nil
}

// send sends one SYN from src and our port sport, with seq, to target,
// built in m. The source address goes with it (IP_PKTINFO), since the
// checksum was made for it.
func (f *synFamily) send(m *synMessage, src netip.Addr, sport uint16, target netip.AddrPort, seq uint32) error {
	m.build(f.v6, src, sport, target, seq)
	if err := f.tcp.raw.Write(m.write); err != nil {
		return err
	}
	if m.errno != 0 {
		return fmt.Errorf("send: %w", m.errno)
	}
	return nil
}

const (
	tcpFIN = 1 << iota
	tcpSYN
	tcpRST
	tcpPSH
	tcpACK
)

// tcpChecksum is the checksum of seg with its pseudo-header (RFC 9293,
// RFC 8200 section 8.1).
func tcpChecksum(src, dst netip.Addr, seg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src.AsSlice())
	add(dst.AsSlice())
	sum += unix.IPPROTO_TCP + uint32(len(seg))
	add(seg)
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// receive reads s until it is closed and hands each answer parse finds to
// the try it answers.
func (f *synFamily) receive(s *rawSocket, e *synEngine, parse func([]byte, netip.Addr) (synKey, outcome, bool)) {
	buf := make([]byte, 2048)
	for {
		err := s.raw.Read(func(fd uintptr) bool {
			f.read(int(fd), s, buf, e, parse)
			return false // wait for more
		})
		if err != nil {
			return // closed
		}
	}
}

// read reads every packet s holds now, and hands each to its try before
// it lets another reader at s.
func (f *synFamily) read(fd int, s *rawSocket, buf []byte, e *synEngine, parse func([]byte, netip.Addr) (synKey, outcome, bool)) {
	s.reading.Lock()
	defer s.reading.Unlock()
	f.readHeld(fd, s, buf, e, parse)
}

// readHeld is read, with s.reading held.
func (f *synFamily) readHeld(fd int, s *rawSocket, buf []byte, e *synEngine, parse func([]byte, netip.Addr) (synKey, outcome, bool)) {
	for {
		n, from, err := recvSender(fd, buf, &s.from)
		if err != nil {
			return // EAGAIN, or closed
		}
		if key, out, ok := parse(buf[:n], from); ok {
			e.answer(key, out)
		}
	}
}

// drain reads what the family's sockets hold now, for a try whose
// deadline passed at due (engine time, since).
//
// A silent sweep's tries come due by the ten thousand a second, and a
// drain each took a tenth of its CPU (issue #23's I2 with --syn), so a
// drain serves every try that comes due while it gathers: the first
// waits drainGather, the others wait for it, and it begins after all of
// them were due. And a socket is read only when the kernel says it holds
// something (SO_MEMINFO), asked with the socket's reader held, so that a
// packet the receiver took is handed to its try before the drain counts
// the socket empty. A drain that must not wait (gather false) skips the
// gathering.
func (f *synFamily) drain(e *synEngine, due int64, gather bool) {
	if f.drained.Load() >= due {
		return
	}
	if gather {
		gathered := f.gather(due)
		if gathered == nil {
			return // another's drain served this one
		}
		defer close(gathered)
	}
	f.draining.Lock()
	defer f.draining.Unlock()
	f.drainHeld(e)
}

// gather waits drainGather for more tries to come due, or joins a drain
// that is gathering them already, which begins after due. It returns nil
// once the drain it joined is done, or the channel the caller closes
// when its own is.
func (f *synFamily) gather(due int64) chan struct{} {
	f.gatherMu.Lock()
	if f.drained.Load() >= due {
		f.gatherMu.Unlock()
		return nil // drained while this one waited
	}
	if gathering := f.gathering; gathering != nil {
		f.gatherMu.Unlock()
		<-gathering // it begins after now
		return nil
	}
	gathered := make(chan struct{})
	f.gathering = gathered
	f.gatherMu.Unlock()
	time.Sleep(drainGather)
	f.gatherMu.Lock()
	f.gathering = nil
	f.gatherMu.Unlock()
	return gathered
}

// control runs drain on the socket; when it cannot (the socket is
// closed), what the socket holds is unknown.
func (s *rawSocket) control(drain func(fd uintptr)) {
	if s.raw.Control(drain) != nil {
		s.memErr = unix.EBADF
	}
}

// drainHeld is a drain, with draining held.
func (f *synFamily) drainHeld(e *synEngine) {
	began := e.since()
	if f.drainTCP == nil {
		buf := make([]byte, 2048)
		f.drainTCP = f.tcp.drainer(func(fd int, s *rawSocket) { f.readHeld(fd, s, buf, e, f.parseTCP) })
		f.drainICMP = f.icmp.drainer(func(fd int, s *rawSocket) { f.readHeld(fd, s, buf, e, f.parseICMP) })
	}
	f.tcp.control(f.drainTCP)
	f.icmp.control(f.drainICMP)
	if f.tcp.memErr != 0 || f.icmp.memErr != 0 {
		f.drops.Add(1) // unknown: counted as a drop, which is never believed
	} else {
		f.drops.Store(uint64(f.tcp.mem[skMeminfoDrops]) + uint64(f.icmp.mem[skMeminfoDrops]))
	}
	f.drained.Store(began)
}

// drainGather is how long a drain waits for more tries to come due
// before it begins. Each silent try waits at most that much longer.
const drainGather = time.Millisecond

// drainer is the function a drain runs on s's descriptor: it reads s's
// memory (SO_MEMINFO) and, if s holds anything, reads it with read.
func (s *rawSocket) drainer(read func(fd int, s *rawSocket)) func(fd uintptr) {
	return func(fd uintptr) {
		s.reading.Lock()
		defer s.reading.Unlock()
		if s.memErr = s.memInfo(fd); s.memErr == 0 && s.mem[skMeminfoRmemAlloc] > 0 {
			read(int(fd), s)
		}
	}
}

// The fields of SO_MEMINFO this engine reads (linux/sock_diag.h).
const (
	skMeminfoRmemAlloc = 0 // what the receive queue holds, in bytes
	skMeminfoDrops     = 8 // how many packets the kernel dropped, its buffer full
	skMeminfoVars      = 9
)

// memInfo reads the socket's SO_MEMINFO into s.mem.
func (s *rawSocket) memInfo(fd uintptr) syscall.Errno {
	size := uint32(unsafe.Sizeof(s.mem))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO, uintptr(unsafe.Pointer(&s.mem[0])), uintptr(unsafe.Pointer(&size)), 0)
	return errno
}

func (e *synEngine) answer(key synKey, out outcome) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if w := e.waiting[key]; w != nil {
		select {
		case w.answer <- synAnswer{key.seq, out}:
		default: // answered already
		}
	}
}

// parseTCP reads a segment to our port: a SYN-ACK or a RST that
// acknowledges a try's SYN. An IPv4 raw socket's packet starts with the
// IP header; an IPv6 one's with the TCP header, its sender from recvfrom.
func (f *synFamily) parseTCP(pkt []byte, sender netip.Addr) (synKey, outcome, bool) {
	if !f.v6 {
		header, segment, ok := ipv4Split(pkt)
		if !ok {
			return synKey{}, outcome{}, false
		}
		sender, pkt = netip.AddrFrom4([4]byte(header[12:16])), segment
	}
	if len(pkt) < 20 || !f.ownPort(binary.BigEndian.Uint16(pkt[2:])) {
		return synKey{}, outcome{}, false
	}
	flags := pkt[13]
	var sig Signal
	switch {
	case flags&tcpACK == 0:
		return synKey{}, outcome{}, false
	case flags&tcpRST != 0:
		sig = Reset
	case flags&tcpSYN != 0:
		sig = SynAck
	default:
		return synKey{}, outcome{}, false
	}
	key := synKey{netip.AddrPortFrom(sender.Unmap(), binary.BigEndian.Uint16(pkt[0:])), binary.BigEndian.Uint32(pkt[8:]) - 1}
	return key, outcome{signal: sig}, true
}

// ipv4Split is an IPv4 packet's header and what follows it; ok is false
// for a packet shorter than the header it claims.
func ipv4Split(pkt []byte) (header, payload []byte, ok bool) {
	if len(pkt) < 20 {
		return nil, nil, false
	}
	ihl := int(pkt[0]&0x0f) * 4
	if ihl < 20 || len(pkt) < ihl {
		return nil, nil, false
	}
	return pkt[:ihl], pkt[ihl:], true
}

// parseICMP reads an ICMP error that quotes one of our SYNs: its type and
// code, and who sent it, as the error queue would tell a connect.
func (f *synFamily) parseICMP(pkt []byte, sender netip.Addr) (synKey, outcome, bool) {
	var quoted []byte
	var dst netip.Addr
	if !f.v6 {
		header, message, ok := ipv4Split(pkt)
		if !ok || len(message) < 8 {
			return synKey{}, outcome{}, false
		}
		sender, pkt = netip.AddrFrom4([4]byte(header[12:16])), message
		// The errors that end a connect (tcp_v4_err): not source quench,
		// nor fragmentation needed, which only lowers the path's MTU.
		switch {
		case pkt[0] == 3 && pkt[1] != 4, pkt[0] == 11, pkt[0] == 12: // unreachable, time exceeded, parameter problem
		default:
			return synKey{}, outcome{}, false
		}
		// The packet it quotes: our SYN's IP header and 8 bytes of TCP.
		inner, rest, ok := ipv4Split(pkt[8:])
		if !ok || inner[9] != unix.IPPROTO_TCP || len(rest) < 8 {
			return synKey{}, outcome{}, false
		}
		dst, quoted = netip.AddrFrom4([4]byte(inner[16:20])), rest
	} else {
		if len(pkt) < 8 {
			return synKey{}, outcome{}, false
		}
		switch pkt[0] {
		case 1, 3, 4: // unreachable, time exceeded, parameter problem
		default:
			return synKey{}, outcome{}, false
		}
		in := pkt[8:]
		if len(in) < 40+8 || in[6] != unix.IPPROTO_TCP {
			return synKey{}, outcome{}, false
		}
		dst, quoted = netip.AddrFrom16([16]byte(in[24:40])), in[40:]
	}
	if !f.ownPort(binary.BigEndian.Uint16(quoted[0:])) {
		return synKey{}, outcome{}, false
	}
	key := synKey{netip.AddrPortFrom(dst.Unmap(), binary.BigEndian.Uint16(quoted[2:])), binary.BigEndian.Uint32(quoted[4:])}
	return key, outcome{signal: ICMP, icmp: &ICMPError{V6: f.v6, Type: pkt[0], Code: pkt[1], From: sender.Unmap()}}, true
}
