package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/spec"
)

// PortQryLine is PortQry's verdict line: "TCP port 25 (smtp service): LISTENING".
func PortQryLine(r runner.Result) string {
	service := spec.ServiceName(r.Check.Protocol, r.Check.Port)
	if service == "" {
		service = "unknown"
	}
	state := r.Status.String()
	if r.Skipped {
		state = "NOT QUERIED (interrupted)"
	}
	return fmt.Sprintf("%s port %d (%s service): %s", strings.ToUpper(r.Check.Protocol.String()), r.Check.Port, service, state)
}

// Details are the evidence lines printed under a verdict: what was sent,
// what came back, and how many tries it took.
func Details(r runner.Result) []string { return details(r, true) }

// details is Details, without the one-line summary when the caller has
// said it already.
func details(r runner.Result, summary bool) []string {
	if r.Skipped {
		return nil
	}
	if r.Status == runner.Error {
		return []string{fmt.Sprintf("error: %v", r.Err)}
	}
	ev := r.Evidence
	var lines []string
	if ev.Probe != "" {
		lines = append(lines, "sent "+ev.Probe)
	}
	if summary {
		lines = append(lines, ev.Summary())
	}
	if why := ev.Silence.Explain(); why != "" {
		lines = append(lines, why)
	}
	if ev.Signal == runner.Reply && ev.App == "" && len(ev.Reply) > 0 {
		lines = append(lines, fmt.Sprintf("reply: %q", ev.Reply))
	}
	if r.Check.Protocol == spec.TCP && len(ev.Reply) > 0 {
		lines = append(lines, fmt.Sprintf("banner: %q", ev.Reply))
	}
	return lines
}

// TryLines lists every try with its start time, for logs and -v.
func TryLines(r runner.Result) []string {
	var lines []string
	for i, t := range r.Evidence.Tries {
		lines = append(lines, fmt.Sprintf("try %d at %s: %s", i+1, t.Start.UTC().Format("15:04:05.000000Z"), t))
	}
	return lines
}

// WritePortQry writes a result as PortQry does, with the evidence under it.
func WritePortQry(w io.Writer, r runner.Result) error {
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
