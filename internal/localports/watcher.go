package localports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/sticky"
)

// Watch is query -wport or -wpid: PortQry's watch of a local port or
// process, which logs each change of its sockets with a timestamp.
type Watch struct {
	Port, PID int
	Every     time.Duration
	ProcRoot  string
	Now       func() time.Time
	// Next waits for the next look, and says false when ctx ended; nil
	// is every Every. Tests step through readings with it.
	Next func(ctx context.Context) bool
}

// subject says what is watched, for the first line.
func (w Watch) subject() string {
	if w.Port > 0 {
		return fmt.Sprintf("port %d (tcp and udp)", w.Port)
	}
	return fmt.Sprintf("process %d", w.PID)
}

// read lists the watched sockets; gone says a watched process has exited.
func (w Watch) read() (sockets []Socket, gone bool, err error) {
	all, err := Read(w.ProcRoot)
	if err != nil {
		return nil, false, err
	}
	for _, s := range all {
		if w.Port > 0 && int(s.Local.Port()) == w.Port || w.PID > 0 && s.PID == w.PID {
			sockets = append(sockets, s)
		}
	}
	if w.PID > 0 {
		if _, err := os.Stat(filepath.Join(w.ProcRoot, strconv.Itoa(w.PID))); errors.Is(err, os.ErrNotExist) {
			gone = true
		}
	}
	return sockets, gone, nil
}

// Run logs the sockets there at the start, then every change, to stdout
// and to log (nil for none), until ctx ends (Ctrl-C: how a watch is meant
// to end, so exit 0) or the watched process exits. The log is written a
// line at a time, unbuffered, so it can be followed with tail -f and
// keeps what was seen if the watch is killed.
func (w Watch) Run(ctx context.Context, stdout io.Writer, log *os.File, stderr io.Writer) error {
	var logged *sticky.Writer
	out := stdout
	if log != nil {
		logged = sticky.New(log)
		out = io.MultiWriter(out, logged)
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(out, "%s  %s\n", w.Now().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
	// failed is the error of a log that cannot be written, or nil.
	failed := func() error {
		if logged == nil || logged.Err() == nil {
			return nil
		}
		return exit.Errorf(exit.Incomplete, "portspec query: writing -l %s: %v", log.Name(), logged.Err())
	}
	before, gone, err := w.read()
	if err != nil {
		return exit.Errorf(exit.Incomplete, "portspec query: %v", err)
	}
	if gone {
		return exit.Errorf(exit.Incomplete, "portspec query: -wpid %d: no such process", w.PID)
	}
	logf("watching %s every %s; Ctrl-C stops", w.subject(), w.Every)
	switch {
	case w.PID > 0 && ProcessHidden(w.ProcRoot, w.PID):
		// Its sockets are there, but listed as no one's: "no sockets"
		// would be a claim the watch cannot make.
		logf("sockets hidden: process %d belongs to another user", w.PID)
		fmt.Fprintf(stderr, "portspec query: -wpid %d: the process belongs to another user, whose sockets only root can see; run as root to watch them\n", w.PID)
	case len(before) == 0:
		logf("no sockets")
	}
	for _, s := range before {
		logf("%s", Change{Kind: Present, Socket: s})
	}
	// -wport lists another user's sockets with their owner hidden, as
	// -local does, and says why, once.
	notedHidden := NoteHiddenOwners(stderr, before)
	if w.Next == nil {
		tick := time.NewTicker(w.Every)
		defer tick.Stop()
		w.Next = func(ctx context.Context) bool {
			select {
			case <-ctx.Done():
				return false
			case <-tick.C:
				return true
			}
		}
	}
	for {
		if err := failed(); err != nil {
			return err
		}
		if !w.Next(ctx) {
			logf("stopped")
			return failed()
		}
		after, gone, err := w.read()
		if err != nil {
			logf("cannot read the socket table: %v", err)
			continue
		}
		for _, c := range Changes(before, after) {
			logf("%s", c)
		}
		if !notedHidden {
			notedHidden = NoteHiddenOwners(stderr, after)
		}
		before = after
		if gone {
			logf("process %d exited", w.PID)
			return failed()
		}
	}
}

// NoteHiddenOwners says, on stderr, why some of the sockets show
// "(hidden)" rather than their owner, and reports whether any did.
func NoteHiddenOwners(stderr io.Writer, sockets []Socket) bool {
	n := 0
	for _, s := range sockets {
		if s.Hidden {
			n++
		}
	}
	switch {
	case n == 1:
		fmt.Fprintln(stderr, "portspec query: the owner of 1 socket belongs to another user; run as root to see it")
	case n > 1:
		fmt.Fprintf(stderr, "portspec query: the owners of %d sockets belong to other users; run as root to see them\n", n)
	}
	return n > 0
}
