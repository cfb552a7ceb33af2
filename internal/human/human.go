// Package human writes numbers for people: durations at a precision worth
// reading, and words that agree with their count. The runner's evidence,
// the reports and the command line all say them the same way.
package human

import "time"

// Duration rounds d for reading: 1.23s, 212.3ms, 340µs.
func Duration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// Plural is one when n is 1, else many: "1 try", "3 tries".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
