// Package rundiff compares two runs' JSON reports: which checks newly
// fail, which were fixed, whose state or expectation changed, which were
// added or removed. Results are matched by vantage, host, address,
// protocol and port. Each report is sorted by that key on disk, in chunks,
// and the two are merged as streams, so a million results each take
// bounded memory.
package rundiff
