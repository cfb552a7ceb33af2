package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/services"
	"github.com/portspec/portspec/verdict"
)

// PortQryLine is PortQry's verdict line: "TCP port 25 (smtp service): LISTENING".
func PortQryLine(r Record) string {
	proto, _ := verdict.ParseProtocol(r.Protocol)
	service := services.Name(proto, r.Port)
	if service == "" {
		service = "unknown"
	}
	state := r.Actual
	if r.Verdict == verdict.Skipped {
		state = "NOT QUERIED (interrupted)"
	}
	return fmt.Sprintf("%s port %d (%s service): %s", strings.ToUpper(r.Protocol), r.Port, service, state)
}

// Details are the evidence lines printed under a verdict: what was sent,
// what came back, and how many tries it took.
func Details(r Record) []string { return details(r, true) }

// details is Details, without the one-line summary when the caller has
// said it already.
func details(r Record, summary bool) []string {
	if r.Verdict == verdict.Skipped {
		return nil
	}
	if r.Actual == verdict.Error.String() {
		return []string{"error: " + r.Error}
	}
	ev := r.Evidence
	if ev == nil {
		return nil
	}
	var lines []string
	if ev.Probe != "" {
		lines = append(lines, "sent "+ev.Probe)
	}
	if summary {
		lines = append(lines, ev.Summary())
	}
	if why := explainSilence(r); why != "" {
		lines = append(lines, why)
	}
	reply := ev.Reply()
	if ev.Signal == SignalReply && ev.App == "" && len(reply) > 0 {
		lines = append(lines, "reply: "+escape.Quote(reply))
	}
	if r.Protocol == verdict.TCP.String() && len(reply) > 0 {
		lines = append(lines, "banner: "+escape.Quote(reply))
	}
	return lines
}

// TryLines lists every try with its start time, for logs and -v.
func TryLines(r Record) []string {
	var lines []string
	if r.Evidence == nil {
		return nil
	}
	for i, t := range r.Evidence.Tries {
		lines = append(lines, fmt.Sprintf("try %d at %s: %s", i+1, t.Started.UTC().Format("15:04:05.000000Z"), t.Line()))
	}
	return lines
}

// WritePortQry writes a record as PortQry does, with the evidence under it.
func WritePortQry(w io.Writer, r Record) error {
	if _, err := fmt.Fprintln(w, PortQryLine(r)); err != nil {
		return err
	}
	for _, d := range Details(r) {
		if _, err := fmt.Fprintf(w, "    %s\n", d); err != nil {
			return err
		}
	}
	return nil
}
