package rundiff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/internal/sticky"
	"github.com/portspec/portspec/report"
)

// Format is how a diff is written.
type Format uint8

const (
	Text Format = iota
	JSON
	Markdown
)

// Input is one run's JSON report, opened.
type Input struct {
	Name   string
	Reader *report.JSONReader
}

// Run diffs before against after, writes the changes grouped by kind in
// format to w, and returns how many of each there were. Nothing is
// written before both inputs have been read whole: an input that is not a
// whole report is an error naming it.
func Run(before, after Input, w io.Writer, format Format) (Summary, error) {
	var groups [kinds]*spool.Spool
	for i := range groups {
		var err error
		if groups[i], err = spool.New(); err != nil {
			return Summary{}, err
		}
		defer groups[i].Close()
	}
	var written Summary
	sum, err := Changes(before, after, func(c Change) error {
		item, err := formatChange(c, format, written[c.Kind] > 0)
		written[c.Kind]++
		if err != nil {
			return err
		}
		_, err = io.WriteString(groups[c.Kind], item)
		return err
	})
	if err != nil {
		return sum, err
	}
	return sum, writeGroups(w, format, before, after, sum, groups)
}

// Changes diffs before against after, giving each change to each, in the
// order of the checks, once both inputs have been read whole; it returns
// how many of each kind there were.
func Changes(before, after Input, each func(Change) error) (Summary, error) {
	sortedOld, err := sortInput(before)
	if err != nil {
		return Summary{}, err
	}
	defer sortedOld.close()
	sortedNew, err := sortInput(after)
	if err != nil {
		return Summary{}, err
	}
	defer sortedNew.close()
	return diff(sortedOld, sortedNew, each)
}

// MarshalJSON writes a change as diff --json does.
func (c Change) MarshalJSON() ([]byte, error) { return json.Marshal(jsonChange(c)) }

// Counts are the summary's counts by kind, as diff --json names them.
func (s Summary) Counts() map[string]int {
	counts := map[string]int{}
	for k := range kinds {
		counts[k.Key()] = s[k]
	}
	return counts
}

func sortInput(in Input) (*mergedRun, error) {
	m, err := sorted(in.Reader.Next)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", in.Name, err)
	}
	if _, err := in.Reader.End(); err != nil {
		m.close()
		return nil, fmt.Errorf("%s: %v", in.Name, err)
	}
	return m, nil
}

// formatChange writes one change as the format has it inside its group;
// more says it follows another of its kind.
func formatChange(c Change, format Format, more bool) (string, error) {
	switch format {
	case JSON:
		b, err := json.Marshal(jsonChange(c))
		sep := "\n  "
		if more {
			sep = ",\n  "
		}
		return sep + string(b), err
	case Markdown:
		k := c.Check()
		before, after := "—", "—"
		if c.Old != nil {
			before = fmt.Sprintf("%s %s %s", c.Old.Expected, show(c.Old.Actual), c.Old.Verdict)
		}
		if c.New != nil {
			after = fmt.Sprintf("%s %s %s", c.New.Expected, show(c.New.Actual), c.New.Verdict)
		}
		return fmt.Sprintf("| %s | %s | %s | %s |\n", escape.Markdown(k.Name()), escape.Markdown(before), escape.Markdown(after), escape.Markdown(k.Message)), nil
	}
	line := "  " + c.Line() + "\n"
	if k := c.Check(); c.Kind == NewlyFailing && k.Message != "" {
		line += "      " + k.Message + "\n"
	}
	if k := c.Check(); k.Source != "" && (c.Kind == NewlyFailing || c.Kind == ExpectationChanged) {
		line += "      block at " + k.Source + "\n"
	}
	return line, nil
}

type jsonCheck struct {
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Verdict  string `json:"verdict"`
	Message  string `json:"message,omitempty"`
	Source   string `json:"source,omitempty"`
}

func jsonChange(c Change) any {
	k := c.Check()
	side := func(ch *Check) *jsonCheck {
		if ch == nil {
			return nil
		}
		return &jsonCheck{Expected: ch.Expected, Actual: ch.Actual, Verdict: ch.Verdict.String(), Message: ch.Message, Source: ch.Source}
	}
	return struct {
		Vantage  string     `json:"vantage,omitempty"`
		Host     string     `json:"host"`
		Address  string     `json:"address"`
		Protocol string     `json:"protocol"`
		Port     uint16     `json:"port"`
		Old      *jsonCheck `json:"old"`
		New      *jsonCheck `json:"new"`
	}{k.Vantage, k.Host, k.Address, k.Protocol, k.Port, side(c.Old), side(c.New)}
}

// writeGroups writes the header, each kind's changes, and the summary.
func writeGroups(w io.Writer, format Format, before, after Input, sum Summary, groups [kinds]*spool.Spool) error {
	ew := sticky.New(w)
	switch format {
	case JSON:
		ew.Printf("{\n\"old\": %s,\n\"new\": %s,\n\"summary\": {", quote(before.Name), quote(after.Name))
		for k := range kinds {
			if k > 0 {
				ew.Printf(",")
			}
			ew.Printf("%q:%d", k.Key(), sum[k])
		}
		ew.Printf("},\n\"changes\": {")
		for k := range kinds {
			if k > 0 {
				ew.Printf(",")
			}
			ew.Printf("\n%q: [", k.Key())
			ew.Keep(groups[k].CopyTo(ew))
			if sum[k] > 0 {
				ew.Printf("\n")
			}
			ew.Printf("]")
		}
		ew.Printf("\n}\n}\n")
	case Markdown:
		ew.Printf("## portspec diff\n\n`%s` → `%s`: %s\n", before.Name, after.Name, sum.Line())
		for k := range kinds {
			if sum[k] == 0 {
				continue
			}
			ew.Printf("\n### %s (%d)\n\n| check | before | after | message |\n|---|---|---|---|\n", capitalize(k.String()), sum[k])
			ew.Keep(groups[k].CopyTo(ew))
		}
	default:
		ew.Printf("%s → %s\n", before.Name, after.Name)
		for k := range kinds {
			if sum[k] == 0 {
				continue
			}
			ew.Printf("\n%s (%d):\n", k, sum[k])
			ew.Keep(groups[k].CopyTo(ew))
		}
		ew.Printf("\n%s\n", sum.Line())
	}
	return ew.Err()
}

// Line is the summary in a line: "2 newly failing, 1 fixed, ...", or "no
// changes".
func (s Summary) Line() string {
	var parts []string
	for k := range kinds {
		if s[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", s[k], k))
		}
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
