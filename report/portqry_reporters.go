package report

import (
	"fmt"
	"io"

	"github.com/portspec/portspec/internal/spool"
)

// PortQry is query's report: each record as PortQry writes it, under its
// address when the name has several.
type PortQry struct {
	ignoreEvents
	w         io.Writer
	addresses bool
	last      string
	err       error
}

// NewPortQry returns a PortQry report writing to w; addresses puts each
// address's records under a line naming it.
func NewPortQry(w io.Writer, addresses bool) *PortQry { return &PortQry{w: w, addresses: addresses} }

func (p *PortQry) Begin(Meta) error { return nil }

func (p *PortQry) Result(r Record) error {
	if p.err != nil {
		return p.err
	}
	if p.addresses && r.Address != p.last {
		if _, p.err = fmt.Fprintf(p.w, "%s:\n", r.Address); p.err != nil {
			return p.err
		}
		p.last = r.Address
	}
	p.err = WritePortQry(p.w, r)
	return p.err
}

func (p *PortQry) End(s Summary) error {
	if s.Interrupted && p.err == nil {
		_, p.err = fmt.Fprint(p.w, "\ninterrupted\n")
	}
	return p.err
}

// TryList lists every record's tries once the run is over, for query's
// log: "Tries:", then each record's address, protocol and port with a line
// a try. The tries wait in a spool, not in memory.
type TryList struct {
	ignoreEvents
	w      io.Writer
	tries  *spool.Spool
	listed int
	err    error
}

// NewTryList returns a TryList writing to w.
func NewTryList(w io.Writer) (*TryList, error) {
	s, err := spool.New()
	if err != nil {
		return nil, err
	}
	return &TryList{w: w, tries: s}, nil
}

func (l *TryList) Begin(Meta) error { return nil }

func (l *TryList) Result(r Record) error {
	if l.err == nil {
		_, l.err = fmt.Fprintf(l.tries, "%s %s/%d:\n", r.Address, r.Protocol, r.Port)
	}
	for _, line := range TryLines(r) {
		if l.err == nil {
			_, l.err = fmt.Fprintf(l.tries, "    %s\n", line)
		}
	}
	l.listed++
	return l.err
}

func (l *TryList) End(Summary) error {
	defer l.tries.Close()
	if l.err != nil || l.listed == 0 {
		return l.err
	}
	if _, err := io.WriteString(l.w, "\nTries:\n"); err != nil {
		return err
	}
	return l.tries.CopyTo(l.w)
}

var (
	_ Reporter = (*PortQry)(nil)
	_ Reporter = (*TryList)(nil)
)
