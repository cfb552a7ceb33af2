package localports

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/localports/proctest"
)

// TestWatchPID steps a -wpid watch through readings of a /proc built in a
// directory: the sockets there at the start, a new one, a state change,
// and the end of the process, which ends the watch with 0. Another
// process's sockets are never logged.
func TestWatchPID(t *testing.T) {
	proc := proctest.New(t)
	root, write, socket := proc.Root, proc.Write, proc.Socket
	header := proctest.Header
	listen := "   0: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0 100 0 0 10 0\n"
	other := "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0 100 0 0 10 0\n"
	conn := func(state string) string {
		return "   2: 020112C6:01BB 010012C6:C350 " + state + " 00000000:00000000 00:00000000 00000000     0        0 1002 1 0 20 4 30 10 -1\n"
	}
	write("net/tcp", header+listen+other)
	write("812/comm", "nginx\n")
	write("900/comm", "sshd\n")
	socket("812", "3", "1001")
	socket("812", "4", "1002")
	socket("900", "3", "2001")

	steps := []func(){
		func() { write("net/tcp", header+listen+other+conn("01")) },
		func() { write("net/tcp", header+listen+other+conn("08")) },
		func() { os.RemoveAll(filepath.Join(root, "812")); write("net/tcp", header+other) },
	}
	clock := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	w := Watch{PID: 812, Every: time.Minute, ProcRoot: root,
		Now: func() time.Time { return clock },
		Next: func(context.Context) bool {
			if len(steps) == 0 {
				t.Fatal("the watch went on after its process exited")
			}
			steps[0]()
			steps = steps[1:]
			clock = clock.Add(time.Minute)
			return true
		}}
	var stdout, stderr bytes.Buffer
	log, err := os.Create(filepath.Join(t.TempDir(), "watch.log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Run(context.Background(), &stdout, log, &stderr); err != nil {
		t.Fatalf("%v, stderr %q", err, stderr.String())
	}
	want := `2026-11-27T03:00:00Z  watching process 812 every 1m0s; Ctrl-C stops
2026-11-27T03:00:00Z  = TCP 0.0.0.0:443 0.0.0.0:0 LISTENING pid 812 nginx
2026-11-27T03:01:00Z  + TCP 198.18.1.2:443 198.18.0.1:50000 ESTABLISHED pid 812 nginx
2026-11-27T03:02:00Z  ~ TCP 198.18.1.2:443 198.18.0.1:50000 ESTABLISHED -> CLOSE_WAIT pid 812 nginx
2026-11-27T03:03:00Z  - TCP 0.0.0.0:443 0.0.0.0:0 LISTENING pid 812 nginx
2026-11-27T03:03:00Z  - TCP 198.18.1.2:443 198.18.0.1:50000 CLOSE_WAIT pid 812 nginx
2026-11-27T03:03:00Z  process 812 exited
`
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
	}
	logged, _ := os.ReadFile(log.Name())
	if string(logged) != want {
		t.Errorf("the log differs from stdout:\n%s", logged)
	}

	// A process that is not there is an error at once.
	stdout.Reset()
	w.PID = 4242
	if err := w.Run(context.Background(), &stdout, nil, &stderr); exit.Code(err) != exit.Incomplete || !strings.Contains(fmt.Sprint(err), "-wpid 4242: no such process") {
		t.Errorf("no such process: exit %d (%v)", exit.Code(err), err)
	}
}
