package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// JSONReader reads back a JSON report, a result at a time, for merge.
type JSONReader struct {
	Meta Meta
	dec  *json.Decoder
	read int // results read
}

// OpenJSON reads a JSON report's metadata and leaves the reader at its
// first result.
func OpenJSON(r io.Reader) (*JSONReader, error) {
	dec := json.NewDecoder(r)
	// A field this portspec does not know is a report of another layout,
	// whatever its schema number says: refused, not half read.
	dec.DisallowUnknownFields()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a portspec JSON report: it is not a JSON object")
	}
	jr := &JSONReader{dec: dec}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not a portspec JSON report: %v", err)
		}
		switch tok {
		case "meta":
			var m jsonMeta
			if err := dec.Decode(&m); err != nil {
				return nil, fmt.Errorf("reading meta: %v", err)
			}
			if m.Schema != JSONSchema {
				return nil, fmt.Errorf("JSON report schema %d; this portspec reads schema %d", m.Schema, JSONSchema)
			}
			jr.Meta = Meta{Version: m.Portspec, Hostname: m.Hostname, Command: m.Command, Vantage: m.Vantage,
				Tags: m.Tags, Controls: m.Controls, Shard: m.Shard, Files: m.Spec.Files, Digest: m.Spec.Digest, Start: m.Started}
			jr.Meta.Escape()
		case "results":
			if jr.Meta.Digest == "" {
				return nil, errors.New("not a portspec JSON report: no meta before the results")
			}
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return nil, errors.New("not a portspec JSON report: results is not a list")
			}
			return jr, nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
		}
	}
}

// Next returns the next result, or ok false after the last. A result
// with a word this portspec does not know (a protocol, a state, a signal)
// is an error that names the result: it must not be read as another.
func (jr *JSONReader) Next() (r Record, ok bool, err error) {
	if !jr.dec.More() {
		return r, false, nil
	}
	if err := jr.dec.Decode(&r); err != nil {
		var syntax *json.SyntaxError
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syntax) {
			return r, false, truncated(err)
		}
		return r, false, fmt.Errorf("result %d: %v", jr.read+1, err)
	}
	if err := r.check(); err != nil {
		return r, false, fmt.Errorf("result %d (%s %s/%d): %v", jr.read+1, r.Host, r.Protocol, r.Port, err)
	}
	// A result file is outside text, as a target's reply is: what merge
	// and diff print of it is escaped as a run's own records are.
	r.Escape()
	jr.read++
	return r, true, nil
}

// Tail is what a JSON report says after its results.
type Tail struct {
	Total       int
	Interrupted bool
}

// End reads what follows the last result (the end of the list, the
// summary, the end of the document), once Next has said there are no
// more, and checks that the summary counts the results that were read. A
// report that stops early, has results missing, or has no summary is not
// whole: the run that wrote it did not finish, or the file was cut.
func (jr *JSONReader) End() (Tail, error) {
	if tok, err := jr.dec.Token(); err != nil || tok != json.Delim(']') {
		return Tail{}, truncated(err)
	}
	var sum *jsonSummary
	for jr.dec.More() {
		tok, err := jr.dec.Token()
		if err != nil {
			return Tail{}, truncated(err)
		}
		if tok != "summary" {
			var skip json.RawMessage
			if err := jr.dec.Decode(&skip); err != nil {
				return Tail{}, truncated(err)
			}
			continue
		}
		sum = &jsonSummary{Total: -1}
		if err := jr.dec.Decode(sum); err != nil {
			return Tail{}, truncated(err)
		}
	}
	if tok, err := jr.dec.Token(); err != nil || tok != json.Delim('}') {
		return Tail{}, truncated(err)
	}
	if _, err := jr.dec.Token(); err != io.EOF {
		return Tail{}, errors.New("more follows the end of the report")
	}
	switch {
	case sum == nil:
		return Tail{}, errors.New("the report has no summary: the run that wrote it did not finish")
	case sum.Total != jr.read:
		return Tail{}, fmt.Errorf("the summary counts %d results, but the report holds %d: results are missing", sum.Total, jr.read)
	}
	return Tail{Total: sum.Total, Interrupted: sum.Interrupted}, nil
}

// truncated names an error in the middle of a report for what it most
// likely is.
func truncated(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the report ends early: it was cut, or the run that wrote it did not finish")
	}
	return fmt.Errorf("the report is not whole: %v", err)
}
