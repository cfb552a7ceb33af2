package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/portspec/portspec/internal/localports"
	"github.com/portspec/portspec/internal/sticky"
)

// watch is query -wport or -wpid: PortQry's watch of a local port or
// process, which logs each change of its sockets with a timestamp.
type watch struct {
	port, pid int
	every     time.Duration
	procRoot  string
	now       func() time.Time
	// next waits for the next look, and says false when ctx ended; nil
	// is every w.every. Tests step through readings with it.
	next func(ctx context.Context) bool
}

// subject says what is watched, for the first line.
func (w watch) subject() string {
	if w.port > 0 {
		return fmt.Sprintf("port %d (tcp and udp)", w.port)
	}
	return fmt.Sprintf("process %d", w.pid)
}

// read lists the watched sockets; gone says a watched process has exited.
func (w watch) read() (sockets []localports.Socket, gone bool, err error) {
	all, err := localports.Read(w.procRoot)
	if err != nil {
		return nil, false, err
	}
	for _, s := range all {
		if w.port > 0 && int(s.Local.Port()) == w.port || w.pid > 0 && s.PID == w.pid {
			sockets = append(sockets, s)
		}
	}
	if w.pid > 0 {
		if _, err := os.Stat(filepath.Join(w.procRoot, strconv.Itoa(w.pid))); errors.Is(err, os.ErrNotExist) {
			gone = true
		}
	}
	return sockets, gone, nil
}

// run logs the sockets there at the start, then every change, to stdout
// and to log (nil for none), until ctx ends (Ctrl-C: how a watch is meant
// to end, so exit 0) or the watched process exits. The log is written a
// line at a time, unbuffered, so it can be followed with tail -f and
// keeps what was seen if the watch is killed.
func (w watch) run(ctx context.Context, stdout io.Writer, log *os.File, stderr io.Writer) int {
	var logged *sticky.Writer
	out := io.Writer(&untilGone{w: stdout})
	if log != nil {
		logged = sticky.New(log)
		out = io.MultiWriter(out, logged)
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(out, "%s  %s\n", w.now().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
	failed := func() bool {
		if logged == nil || logged.Err() == nil {
			return false
		}
		fmt.Fprintf(stderr, "portspec query: writing -l %s: %v\n", log.Name(), logged.Err())
		return true
	}
	before, gone, err := w.read()
	if err != nil {
		fmt.Fprintf(stderr, "portspec query: %v\n", err)
		return exitIncomplete
	}
	if gone {
		fmt.Fprintf(stderr, "portspec query: -wpid %d: no such process\n", w.pid)
		return exitIncomplete
	}
	logf("watching %s every %s; Ctrl-C stops", w.subject(), w.every)
	switch {
	case w.pid > 0 && localports.ProcessHidden(w.procRoot, w.pid):
		// Its sockets are there, but listed as no one's: "no sockets"
		// would be a claim the watch cannot make.
		logf("sockets hidden: process %d belongs to another user", w.pid)
		fmt.Fprintf(stderr, "portspec query: -wpid %d: the process belongs to another user, whose sockets only root can see; run as root to watch them\n", w.pid)
	case len(before) == 0:
		logf("no sockets")
	}
	for _, s := range before {
		logf("%s", localports.Change{Kind: localports.Present, Socket: s})
	}
	// -wport lists another user's sockets with their owner hidden, as
	// -local does, and says why, once.
	notedHidden := noteHiddenOwners(stderr, before)
	if w.next == nil {
		tick := time.NewTicker(w.every)
		defer tick.Stop()
		w.next = func(ctx context.Context) bool {
			select {
			case <-ctx.Done():
				return false
			case <-tick.C:
				return true
			}
		}
	}
	for {
		if failed() {
			return exitIncomplete
		}
		if !w.next(ctx) {
			logf("stopped")
			if failed() {
				return exitIncomplete
			}
			return exitOK
		}
		after, gone, err := w.read()
		if err != nil {
			logf("cannot read the socket table: %v", err)
			continue
		}
		for _, c := range localports.Changes(before, after) {
			logf("%s", c)
		}
		if !notedHidden {
			notedHidden = noteHiddenOwners(stderr, after)
		}
		before = after
		if gone {
			logf("process %d exited", w.pid)
			if failed() {
				return exitIncomplete
			}
			return exitOK
		}
	}
}
