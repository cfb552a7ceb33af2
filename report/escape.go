package report

import (
	"unsafe"

	"github.com/portspec/portspec/internal/escape"
)

// Escape applies escape.Text to every text field of the record: the
// spec's strings, the target's replies as described, the error messages
// that quote them, a result file's fields. Call it once, where a record
// is made from text that came from outside (internal/plan does for a
// run's results, JSONReader for a file's); every reporter then prints the
// fields as they are. Escaping an escaped record changes nothing.
func (r *Record) Escape() { r.texts(escapeText, escapeList) }

// Size is about how many bytes the record holds in memory: its text, and
// its strings', lists' and structs' own words. Escaping can make text
// four times longer (a DEL byte is "\x7f"), and a list of short strings
// takes more than its JSON: JSONReader holds a result to its limit by
// this measure too, after escaping it.
func (r *Record) Size() int {
	n := int(unsafe.Sizeof(*r))
	if e := r.Evidence; e != nil {
		n += int(unsafe.Sizeof(*e)) + len(e.Tries)*int(unsafe.Sizeof(Try{}))
		for _, t := range e.Tries {
			n += icmpSize(t.ICMP)
			if t.Tokens != nil {
				n += int(unsafe.Sizeof(*t.Tokens))
			}
		}
		n += icmpSize(e.ICMP)
	}
	if t := r.Trace; t != nil {
		n += int(unsafe.Sizeof(*t)) + len(t.Hops)*int(unsafe.Sizeof(TraceHop{}))
		for _, h := range t.Hops {
			n += icmpSize(h.ICMP)
		}
		if t.Ref != nil {
			n += int(unsafe.Sizeof(*t.Ref)) + icmpSize(t.Ref.Hop.ICMP)
		}
	}
	if r.Waiver != nil {
		n += int(unsafe.Sizeof(*r.Waiver))
	}
	n += len(r.Rounds) * int(unsafe.Sizeof(Round{}))
	r.texts(func(s *string) { n += len(*s) }, func(l *[]string) { n += listSize(*l) })
	return n
}

// texts calls text with every text field of the record, and list with
// every list of text: what Escape escapes is what Size counts.
func (r *Record) texts(text func(*string), list func(*[]string)) {
	for _, p := range []*string{&r.Host, &r.Vantage, &r.Name, &r.Address, &r.Protocol, &r.Expected, &r.Actual,
		&r.Message, &r.Note, &r.Error, &r.Description, &r.Profile, &r.ProfileDescription, &r.HostDescription,
		&r.Owner, &r.Link, &r.Source} {
		text(p)
	}
	list(&r.Tags)
	list(&r.Controls)
	if w := r.Waiver; w != nil {
		text(&w.Reason)
		text(&w.Until)
	}
	if e := r.Evidence; e != nil {
		for _, p := range []*string{&e.Signal, &e.Probe, &e.App, &e.Silence, &e.ReplyHex} {
			text(p)
		}
		e.ICMP.texts(text)
		for i := range e.Tries {
			t := &e.Tries[i]
			text(&t.Signal)
			text(&t.Error)
			text(&t.Source)
			t.ICMP.texts(text)
		}
	}
	if t := r.Trace; t != nil {
		text(&t.Summary)
		for i := range t.Hops {
			t.Hops[i].texts(text)
		}
		if t.Ref != nil {
			t.Ref.Hop.texts(text)
		}
	}
	for i := range r.Rounds {
		rd := &r.Rounds[i]
		text(&rd.Actual)
		text(&rd.Message)
		text(&rd.Evidence)
	}
}

func (e *ICMP) texts(text func(*string)) {
	if e != nil {
		text(&e.Family)
		text(&e.From)
		text(&e.Text)
	}
}

func (h *TraceHop) texts(text func(*string)) {
	for _, p := range []*string{&h.Signal, &h.Address, &h.Name, &h.Error} {
		text(p)
	}
	h.ICMP.texts(text)
}

func icmpSize(e *ICMP) int {
	if e == nil {
		return 0
	}
	return int(unsafe.Sizeof(*e))
}

// listSize is what a list of text holds besides the field itself.
func listSize(l []string) int {
	n := cap(l) * int(unsafe.Sizeof(""))
	for _, s := range l {
		n += len(s)
	}
	return n
}

func escapeText(s *string) { *s = escape.Text(*s) }

// escapeList escapes a list of text into a new list, if any of it needs
// escaping: a list shared with its source (a spec's tags) is never
// written.
func escapeList(l *[]string) { *l = escape.Strings(*l) }

// Escape applies escape.Text to every text field of a try as the log
// shows it.
func (a *Attempt) Escape() {
	a.Host, a.Address, a.Protocol = escape.Text(a.Host), escape.Text(a.Address), escape.Text(a.Protocol)
	a.Try.Signal, a.Try.Error, a.Try.Source = escape.Text(a.Try.Signal), escape.Text(a.Try.Error), escape.Text(a.Try.Source)
	a.Try.ICMP.texts(escapeText)
}

// Escape applies escape.Text to every text field of a run's description:
// the command line, the spec's file names, the host name, the flags'
// values.
func (m *Meta) Escape() { m.texts(escapeText, escapeList) }

// Size is about how many bytes the meta holds in memory, as Record.Size.
func (m *Meta) Size() int {
	n := int(unsafe.Sizeof(*m))
	m.texts(func(s *string) { n += len(*s) }, func(l *[]string) { n += listSize(*l) })
	return n
}

// texts calls text with every text field of the meta, and list with
// every list of text.
func (m *Meta) texts(text func(*string), list func(*[]string)) {
	for _, p := range []*string{&m.Version, &m.Hostname, &m.Vantage, &m.Shard, &m.Digest} {
		text(p)
	}
	for _, l := range []*[]string{&m.Command, &m.Tags, &m.Controls, &m.Files} {
		list(l)
	}
}
