package report

// EncodeRecord is the hand-built JSON of one record, for the external
// test to compare with encoding/json's.
func EncodeRecord(r Record) []byte { return appendRecord(nil, &r) }

// SourceBuffer is how much of a report JSONReader reads at once.
const SourceBuffer = sourceBuffer
