package report

import (
	"fmt"
	"time"
)

// The times of a report read back must be a run's. A duration of
// 1.7e308 ms overflowed into a JUnit time of -9223372036.855, and a check
// started in the year 9999 made its suite last millennia.
const (
	// MaxDuration bounds a duration a record holds: a check's, a try's, a
	// timeout, a hop's round trip. No probe waits a day.
	MaxDuration = 24 * time.Hour
	// MaxRunTime bounds a run, merged shards included: no run lasts a
	// year, and within it times add up without overflow.
	MaxRunTime = 366 * 24 * time.Hour
	// clockSlack is how far a record's times may stray outside its run:
	// they are read from the wall clock, which an NTP step may move
	// while a run's elapsed time is measured on a steady one.
	clockSlack = time.Minute
)

// validateTimes refuses a duration no probe takes and a time before the run
// began, at start, or a run's length after it, and returns the latest
// moment r holds (the end of the check, of a try, the start of a round),
// for End to hold to the run's end once the summary says when that was.
func (r *Record) validateTimes(start time.Time) (latest time.Time, err error) {
	moment := func(name string, at time.Time, durationMS float64) error {
		if at.Before(start.Add(-clockSlack)) || at.After(start.Add(MaxRunTime)) {
			return fmt.Errorf("%s %s is not within its run, which started at %s", name, at.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
		}
		if end := at.Add(fromMS(durationMS)); end.After(latest) {
			latest = end
		}
		return nil
	}
	if err := validateDuration("duration_ms", r.DurationMS); err != nil {
		return latest, err
	}
	if !r.Started.IsZero() { // a check that never ran did not start
		if err := moment("started", r.Started, r.DurationMS); err != nil {
			return latest, err
		}
	}
	if ev := r.Evidence; ev != nil {
		if err := validateDuration("timeout_ms", ev.TimeoutMS); err != nil {
			return latest, fmt.Errorf("evidence: %v", err)
		}
		for i, t := range ev.Tries {
			err := validateDuration("duration_ms", t.DurationMS)
			if err == nil {
				err = validateDuration("timeout_ms", t.TimeoutMS)
			}
			if err == nil {
				err = moment("started", t.Started, t.DurationMS)
			}
			if err != nil {
				return latest, fmt.Errorf("evidence: try %d: %v", i+1, err)
			}
		}
	}
	if t := r.Trace; t != nil {
		hops := t.Hops
		if t.Ref != nil {
			hops = append(append([]TraceHop(nil), hops...), t.Ref.Hop)
		}
		for _, h := range hops {
			if err := validateDuration("rtt_ms", h.RTTMS); err != nil {
				return latest, fmt.Errorf("trace: hop %d: %v", h.TTL, err)
			}
		}
	}
	for _, rd := range r.Rounds {
		if err := moment("started", rd.Started, 0); err != nil {
			return latest, fmt.Errorf("round %d: %v", rd.Round, err)
		}
	}
	return latest, nil
}

// validateDuration refuses a duration, in ms, below 0 or above MaxDuration.
func validateDuration(name string, ms float64) error {
	if ms >= 0 && ms <= MS(MaxDuration) {
		return nil
	}
	return fmt.Errorf("%s %g is not a duration: it is from 0 to %.0f (a day)", name, ms, MS(MaxDuration))
}
