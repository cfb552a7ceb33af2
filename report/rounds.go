package report

import (
	"fmt"
	"time"

	"github.com/portspec/portspec/verdict"
)

// Round is one earlier round of a check under check --wait: what it found
// then. The record's own fields are the last round's.
type Round struct {
	Round   int             `json:"round"`
	Started time.Time       `json:"started"`
	Actual  string          `json:"actual"`
	Verdict verdict.Verdict `json:"verdict"`
	Message string          `json:"message,omitempty"`
	// Evidence sums the round's tries up in a line.
	Evidence string `json:"evidence,omitempty"`
}

// RoundOf is a record as one round of its check.
func RoundOf(n int, r Record) Round {
	rd := Round{Round: n, Started: r.Started, Actual: r.Actual, Verdict: r.Verdict, Message: r.Message}
	if r.Evidence != nil {
		rd.Evidence = r.Evidence.Summary()
	}
	return rd
}

// Line is the round for the log: "round 2 at 12:00:03.512Z: fail,
// FILTERED: expected listening, got FILTERED (...)".
func (rd Round) Line() string {
	line := fmt.Sprintf("round %d at %s: %s, %s", rd.Round, rd.Started.UTC().Format("15:04:05.000Z"), rd.Verdict, rd.Actual)
	switch {
	case rd.Message != "":
		line += ": " + rd.Message
	case rd.Evidence != "":
		line += " (" + rd.Evidence + ")"
	}
	return line
}

func (rd Round) validate() error {
	if _, ok := verdict.ParseStatus(rd.Actual); !ok && rd.Actual != "" {
		return fmt.Errorf("round %d: unknown actual state %s", rd.Round, quoteCut(rd.Actual))
	}
	if rd.Round < 1 {
		return fmt.Errorf("round %d: rounds count from 1", rd.Round)
	}
	return nil
}
