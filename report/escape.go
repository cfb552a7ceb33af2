package report

import "github.com/portspec/portspec/internal/escape"

// Escape applies escape.Text to every text field of the record: the
// spec's strings, the target's replies as described, the error messages
// that quote them, a result file's fields. Call it once, where a record
// is made from text that came from outside (internal/plan does for a
// run's results, JSONReader for a file's); every reporter then prints the
// fields as they are. Escaping an escaped record changes nothing.
func (r *Record) Escape() {
	for _, p := range []*string{&r.Host, &r.Vantage, &r.Name, &r.Address, &r.Protocol, &r.Expected, &r.Actual,
		&r.Message, &r.Note, &r.Error, &r.Description, &r.Profile, &r.ProfileDescription, &r.HostDescription,
		&r.Owner, &r.Link, &r.Source} {
		*p = escape.Text(*p)
	}
	r.Tags, r.Controls = escape.Strings(r.Tags), escape.Strings(r.Controls)
	if w := r.Waiver; w != nil {
		w.Reason, w.Until = escape.Text(w.Reason), escape.Text(w.Until)
	}
	if e := r.Evidence; e != nil {
		e.Signal, e.Probe, e.App, e.Silence = escape.Text(e.Signal), escape.Text(e.Probe), escape.Text(e.App), escape.Text(e.Silence)
		e.ReplyHex = escape.Text(e.ReplyHex)
		e.ICMP.escape()
		for i := range e.Tries {
			t := &e.Tries[i]
			t.Signal, t.Error = escape.Text(t.Signal), escape.Text(t.Error)
			t.ICMP.escape()
		}
	}
	if t := r.Trace; t != nil {
		t.Summary = escape.Text(t.Summary)
		for i := range t.Hops {
			t.Hops[i].escape()
		}
		if t.Ref != nil {
			t.Ref.Hop.escape()
		}
	}
	for i := range r.Rounds {
		rd := &r.Rounds[i]
		rd.Actual, rd.Message, rd.Evidence = escape.Text(rd.Actual), escape.Text(rd.Message), escape.Text(rd.Evidence)
	}
}

func (e *ICMP) escape() {
	if e != nil {
		e.Family, e.From, e.Text = escape.Text(e.Family), escape.Text(e.From), escape.Text(e.Text)
	}
}

func (h *TraceHop) escape() {
	h.Signal, h.Address, h.Name, h.Error = escape.Text(h.Signal), escape.Text(h.Address), escape.Text(h.Name), escape.Text(h.Error)
	h.ICMP.escape()
}

// Escape applies escape.Text to every text field of a try as the log
// shows it.
func (a *Attempt) Escape() {
	a.Host, a.Address, a.Protocol = escape.Text(a.Host), escape.Text(a.Address), escape.Text(a.Protocol)
	a.Try.Signal, a.Try.Error = escape.Text(a.Try.Signal), escape.Text(a.Try.Error)
	a.Try.ICMP.escape()
}

// Escape applies escape.Text to every text field of a run's description:
// the command line, the spec's file names, the host name, the flags'
// values.
func (m *Meta) Escape() {
	m.Version, m.Hostname, m.Vantage, m.Shard, m.Digest = escape.Text(m.Version), escape.Text(m.Hostname), escape.Text(m.Vantage), escape.Text(m.Shard), escape.Text(m.Digest)
	m.Command, m.Tags, m.Controls, m.Files = escape.Strings(m.Command), escape.Strings(m.Tags), escape.Strings(m.Controls), escape.Strings(m.Files)
}
