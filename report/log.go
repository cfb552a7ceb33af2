package report

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/internal/sticky"
)

// Log is the run's log file, in the spirit of PortQry's -l: a header, then
// every name resolution and every try as it happens, timestamped, then the
// verdicts in check order and the summary.
type Log struct {
	mu sync.Mutex
	// w keeps the first error, the log's or the spool's.
	w        *sticky.Writer
	verdicts *spool.Spool
	meta     Meta
}

// NewLog returns a log reporter writing to w. The verdicts wait in a spool
// until the tries are all written.
func NewLog(w io.Writer) (*Log, error) {
	s, err := spool.New()
	if err != nil {
		return nil, err
	}
	return &Log{w: sticky.New(w), verdicts: s}, nil
}

const logTime = "2006-01-02T15:04:05.000000Z07:00"

func (l *Log) printf(format string, args ...any) { l.w.Printf(format, args...) }

func (l *Log) Begin(m Meta) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.meta = m
	vantage := m.Vantage
	if vantage == "" {
		vantage = "(none: only blocks without from)"
	}
	l.printf("portspec %s check log\n", m.Version)
	l.printf("command:    %s\n", strings.Join(m.Command, " "))
	l.printf("started:    %s\n", m.Start.Format(logTime))
	l.printf("host:       %s\n", m.Hostname)
	l.printf("vantage:    %s\n", vantage)
	if len(m.Tags) > 0 {
		l.printf("tags:       %s\n", strings.Join(m.Tags, ", "))
	}
	if len(m.Controls) > 0 {
		l.printf("controls:   %s\n", strings.Join(m.Controls, ", "))
	}
	if m.Shard != "" {
		l.printf("shard:      %s\n", m.Shard)
	}
	l.printf("spec files: %s\n", strings.Join(m.Files, ", "))
	l.printf("spec:       %s\n\n", m.Digest)
	return l.w.Err()
}

func (l *Log) Resolved(vantage, name string, addrs []netip.Addr, err error, took time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.meta.Now()
	if vantage != "" {
		name += " from " + vantage
	}
	if err != nil {
		l.printf("%s resolve %s: failed after %s: %v\n", now.Format(logTime), name, Duration(took), err)
		return
	}
	var list []string
	for _, a := range addrs {
		list = append(list, a.String())
	}
	l.printf("%s resolve %s: %s (%s)\n", now.Format(logTime), name, strings.Join(list, ", "), Duration(took))
}

func (l *Log) Try(a Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.printf("%s try %s %s %s/%d: %s\n", a.Try.Started.Format(logTime), a.Host, a.Address, a.Protocol, a.Port, a.Try.Line())
}

func (l *Log) Result(r Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := fmt.Fprintf(l.verdicts, "%-7s %s %s: %s\n", strings.ToUpper(r.Verdict.String()), GroupName(r), CheckName(r), r.Actual)
	for _, line := range Explain(r) {
		fmt.Fprintf(l.verdicts, "        %s\n", line)
	}
	l.w.Keep(err)
	return l.w.Err()
}

func (l *Log) End(s Summary) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.verdicts.Close()
	l.printf("\nverdicts:\n")
	if l.w.Err() == nil {
		l.w.Keep(l.verdicts.CopyTo(l.w))
	}
	l.printf("\n%s\n", s.Line())
	if s.Interrupted {
		l.printf("interrupted: the checks not finished are counted as skipped\n")
	}
	l.printf("took %s\n", s.Took())
	return l.w.Err()
}

var _ Reporter = (*Log)(nil)
