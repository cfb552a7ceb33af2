package report

import (
	"io"

	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/internal/sticky"
)

// PortQry is query's report: each record as PortQry writes it, under its
// address when the name has several.
type PortQry struct {
	ignoreEvents
	w         *sticky.Writer
	addresses bool
	last      string
}

// NewPortQry returns a PortQry report writing to w; addresses puts each
// address's records under a line naming it.
func NewPortQry(w io.Writer, addresses bool) *PortQry {
	return &PortQry{w: sticky.New(w), addresses: addresses}
}

func (p *PortQry) Begin(Meta) error { return nil }

func (p *PortQry) Result(r Record) error {
	if p.addresses && r.Address != p.last {
		p.w.Printf("%s:\n", r.Address)
		p.last = r.Address
	}
	p.w.Keep(WritePortQry(p.w, r))
	return p.w.Err()
}

func (p *PortQry) End(s Summary) error {
	if s.Interrupted {
		p.w.Printf("\ninterrupted\n")
	}
	return p.w.Err()
}

// TryList lists every record's tries once the run is over, for query's
// log: "Tries:", then each record's address, protocol and port with a line
// a try. The tries wait in a spool, not in memory.
type TryList struct {
	ignoreEvents
	w      io.Writer
	tries  *spool.Spool
	spool  *sticky.Writer // writes to tries
	listed int
}

// NewTryList returns a TryList writing to w.
func NewTryList(w io.Writer) (*TryList, error) {
	s, err := spool.New()
	if err != nil {
		return nil, err
	}
	return &TryList{w: w, tries: s, spool: sticky.New(s)}, nil
}

func (l *TryList) Begin(Meta) error { return nil }

func (l *TryList) Result(r Record) error {
	l.spool.Printf("%s %s/%d:\n", r.Address, r.Protocol, r.Port)
	for _, line := range TryLines(r) {
		l.spool.Printf("    %s\n", line)
	}
	l.listed++
	return l.spool.Err()
}

func (l *TryList) End(Summary) error {
	defer l.tries.Close()
	if err := l.spool.Err(); err != nil || l.listed == 0 {
		return err
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
