package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/verdict"
)

// DefaultMaxRecordSize is the most bytes a result of a JSON report, or
// its meta or summary, may take unless ReadOptions.MaxRecordSize says
// otherwise: a result with a full trace takes a few KB, one with the
// rounds of hours of check --wait a few hundred.
const DefaultMaxRecordSize = 1 << 20

// ReadOptions are the limits a JSON report is read within.
type ReadOptions struct {
	// MaxRecordSize caps the bytes of one result, of the meta and of the
	// summary; 0 means DefaultMaxRecordSize.
	MaxRecordSize int
	// Today is the day the run judged waivers on, as check --today gave
	// it; the zero Time means the day the run started.
	Today time.Time
}

func (o ReadOptions) maxRecordSize() int {
	if o.MaxRecordSize > 0 {
		return o.MaxRecordSize
	}
	return DefaultMaxRecordSize
}

// JSONReader reads back a JSON report, a result at a time, for merge and
// diff. A report is outside text, so it is read strictly and in bounded
// memory: a key the layout does not have, anywhere, is an error (see
// keyScan), and so is a result (or meta, or summary) larger than the
// options allow, found without holding more of it than that.
type JSONReader struct {
	Meta    Meta
	src     *jsonSource
	keys    keyScan
	decoder objectDecoder
	opts    ReadOptions
	day     time.Time // waivers are judged on
	read    int       // results read
	done    bool      // the last result has been read
	// skipped is the first skipped result, failing says a result failed:
	// End checks that what skipped it happened.
	skipped resultRef
	failing bool
	// latest is the latest moment a result holds, in the result last:
	// End holds it to the run's end.
	latest     time.Time
	latestLast resultRef
}

// resultRef names a result read, for an error after it: "result 3 (mx
// tcp/25)".
type resultRef struct {
	n              int // from 1; 0 for none
	host, protocol string
	port           uint16
}

func (ref resultRef) String() string {
	return fmt.Sprintf("result %d (%s %s/%d)", ref.n, escape.Bytes([]byte(ref.host), maxQuoted), escape.Bytes([]byte(ref.protocol), maxQuoted), ref.port)
}

// OpenJSON reads a JSON report's metadata, within the default limits,
// and leaves the reader at its first result.
func OpenJSON(r io.Reader) (*JSONReader, error) { return OpenJSONWith(r, ReadOptions{}) }

// OpenJSONWith is OpenJSON within the limits of opts.
func OpenJSONWith(r io.Reader, opts ReadOptions) (*JSONReader, error) {
	jr := &JSONReader{src: newJSONSource(r), opts: opts}
	if !jr.src.take('{') {
		if err := jr.src.readErr(); err != nil {
			return nil, err
		}
		return nil, errors.New("not a portspec JSON report: it is not a JSON object")
	}
	key, err := jr.topKey()
	switch {
	case err != nil:
		return nil, fmt.Errorf("not a portspec JSON report: %v", err)
	case key != "meta":
		return nil, fmt.Errorf("not a portspec JSON report: %q where its meta must be", key)
	}
	if err := jr.readMeta(); err != nil {
		return nil, err
	}
	if !jr.src.take(',') {
		return nil, truncated(jr.src.unexpected("a comma after the meta"))
	}
	switch key, err := jr.topKey(); {
	case err != nil:
		return nil, truncated(err)
	case key != "results":
		return nil, fmt.Errorf("not a portspec JSON report: %q where its results must be", key)
	}
	if !jr.src.take('[') {
		return nil, errors.New("not a portspec JSON report: results is not a list")
	}
	return jr, nil
}

// topKey reads a key of the report's object: meta, results or summary,
// in that order. Any other is refused after maxKey bytes of it.
func (jr *JSONReader) topKey() (string, error) {
	key, long, err := jr.src.key()
	switch {
	case err != nil:
		return "", err
	case long:
		return "", fmt.Errorf("unknown key %s at the top of the report", quoteCut(key))
	case key != "meta" && key != "results" && key != "summary":
		return "", fmt.Errorf("unknown key %s at the top of the report", quoteCut(key))
	}
	return key, nil
}

func (jr *JSONReader) readMeta() error {
	raw, err := jr.src.object(jr.opts.maxRecordSize(), &jr.keys, metaLayout)
	if err != nil {
		return jr.objectError("the meta", err)
	}
	var m jsonMeta
	err = jr.decoder.decode(raw, &m)
	jr.src.release()
	if err != nil {
		return fmt.Errorf("reading meta: %v", err)
	}
	if m.Schema != JSONSchema {
		return fmt.Errorf("JSON report schema %d; this portspec reads schema %d", m.Schema, JSONSchema)
	}
	if err := jr.keys.err; err != nil {
		return fmt.Errorf("reading meta: %v", err)
	}
	if m.Spec.Digest == "" {
		return errors.New("not a portspec JSON report: its meta has no spec digest")
	}
	jr.Meta = Meta{Version: m.Portspec, Hostname: m.Hostname, Command: m.Command, Vantage: m.Vantage,
		Tags: m.Tags, Controls: m.Controls, Shard: m.Shard, Files: m.Spec.Files, Digest: m.Spec.Digest, Start: m.Started}
	jr.Meta.Escape()
	if size := jr.Meta.Size(); size > jr.opts.maxRecordSize() {
		return jr.heldError("the meta", size)
	}
	jr.day = m.Started
	if !jr.opts.Today.IsZero() {
		jr.day = jr.opts.Today
	}
	return nil
}

// objectError says what went wrong reading an object of the report,
// what: "result 3", "the meta".
func (jr *JSONReader) objectError(what string, err error) error {
	if errors.Is(err, errTooLarge) {
		return fmt.Errorf("%s (at byte %d) is larger than %d bytes, the most a result, meta or summary may be; --max-record-size raises the limit",
			what, jr.src.offset(), jr.opts.maxRecordSize())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return truncated(err)
	}
	return fmt.Errorf("%s: %v", what, err)
}

// objectDecoder decodes the objects jsonSource finds, one after another,
// with one json.Decoder: json.Unmarshal would make its scanner and state
// again for each of a million results.
type objectDecoder struct {
	dec  *json.Decoder
	next []byte // what the decoder reads next
	fed  int64  // the bytes it was given
}

// decode decodes raw, a whole object, into v.
func (d *objectDecoder) decode(raw []byte, v any) error {
	if d.dec == nil {
		d.dec, d.fed = json.NewDecoder(d), 0
	}
	d.next = raw
	d.fed += int64(len(raw))
	err := d.dec.Decode(v)
	// Emptied, not kept: raw is the reader's buffer, which may be let go.
	d.next = nil
	if err != nil {
		err = decodeError{err}
	} else if d.dec.InputOffset() != d.fed {
		// Where jsonSource found the end is not where JSON has it: the
		// rest must not be read as the next result's start.
		err = errors.New("an object that does not end where its brackets do")
	}
	if len(raw) > sourceBuffer {
		// The decoder keeps a buffer as large as the largest object it
		// read: after a large one, the next gets a new decoder.
		d.dec = nil
	}
	return err
}

// decodeError is the decoder's error, whose text may quote a whole value
// of the file (a time that does not parse, a verdict that is none): it
// says it escaped, and cut to maxDecodeError runes.
type decodeError struct{ err error }

const maxDecodeError = 200

func (e decodeError) Error() string { return escape.Bytes([]byte(e.err.Error()), maxDecodeError) }
func (e decodeError) Unwrap() error { return e.err }

func (d *objectDecoder) Read(p []byte) (int, error) {
	if len(d.next) == 0 {
		return 0, io.EOF
	}
	n := copy(p, d.next)
	d.next = d.next[n:]
	return n, nil
}

// Next returns the next result, or ok false after the last. A result
// with a word this portspec does not know (a protocol, a state, a signal)
// is an error that names the result: it must not be read as another.
func (jr *JSONReader) Next() (r Record, ok bool, err error) {
	if jr.done {
		return r, false, nil
	}
	switch c, more := jr.src.peek(); {
	case !more:
		return r, false, truncated(jr.src.readErr())
	case c == ']':
		jr.done = true
		return r, false, nil
	case c == ',' && jr.read > 0:
		jr.src.pos++
	case jr.read > 0:
		return r, false, truncated(jr.src.unexpected("a comma between results"))
	}
	raw, err := jr.src.object(jr.opts.maxRecordSize(), &jr.keys, recordLayout)
	if err != nil {
		return r, false, jr.objectError(jr.result(), err)
	}
	err = jr.decoder.decode(raw, &r)
	jr.src.release()
	if err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return r, false, truncated(err)
		}
		return r, false, fmt.Errorf("%s: %v", jr.result(), err)
	}
	// A key of another layout, or another case, or twice, would be read
	// otherwise than jq reads it: refused, not half read.
	if err := jr.keys.err; err != nil {
		return r, false, jr.recordError(r, err)
	}
	if err := r.validate(); err != nil {
		return r, false, jr.recordError(r, err)
	}
	if err := r.validateVerdict(jr.day); err != nil {
		return r, false, jr.recordError(r, err)
	}
	latest, err := r.validateTimes(jr.Meta.Start)
	if err != nil {
		return r, false, jr.recordError(r, err)
	}
	if latest.After(jr.latest) {
		jr.latest, jr.latestLast = latest, jr.ref(r)
	}
	switch {
	case r.Verdict == verdict.Skipped && jr.skipped.n == 0:
		jr.skipped = jr.ref(r)
	case r.Verdict.Failing():
		jr.failing = true
	}
	// A result file is outside text, as a target's reply is: what merge
	// and diff print of it is escaped as a run's own records are.
	r.Escape()
	if size := r.Size(); size > jr.opts.maxRecordSize() {
		return r, false, jr.heldError(jr.ref(r).String(), size)
	}
	jr.read++
	return r, true, nil
}

// heldError refuses what, read and escaped, for taking size bytes, more
// than the limit: escaping makes a control character's byte four
// ("\x7f"), so a result within the limit as read may not be once it can
// be printed.
func (jr *JSONReader) heldError(what string, size int) error {
	return fmt.Errorf("%s takes %d bytes of memory once read and escaped (a control character takes 4), more than %d, the most a result, meta or summary may take; --max-record-size raises the limit",
		what, size, jr.opts.maxRecordSize())
}

// result names the result being read: "result 3".
func (jr *JSONReader) result() string { return "result " + strconv.Itoa(jr.read+1) }

// ref names r, the result being read.
func (jr *JSONReader) ref(r Record) resultRef {
	return resultRef{n: jr.read + 1, host: r.Host, protocol: r.Protocol, port: r.Port}
}

// recordError is err about r, the result being read, named.
func (jr *JSONReader) recordError(r Record, err error) error {
	return fmt.Errorf("%s: %v", jr.ref(r), err)
}

// maxQuoted is the most of a file's text an error message quotes.
const maxQuoted = 64

// quoteCut quotes text from a file for an error message, as strconv.Quote
// does, and cut to maxQuoted bytes: a 300 MB key makes a line of error.
func quoteCut(s string) string { return escape.QuoteCut(s, maxQuoted) }

// Tail is what a JSON report says after its results.
type Tail struct {
	Total       int
	Interrupted bool
	// Elapsed is how long the run took, from Meta.Start.
	Elapsed time.Duration
}

// End reads what follows the last result (the end of the list, the
// summary, the end of the document), once Next has said there are no
// more, and checks that the summary counts the results that were read. A
// report that stops early, has results missing, or has no summary is not
// whole: the run that wrote it did not finish, or the file was cut.
func (jr *JSONReader) End() (Tail, error) {
	if !jr.src.take(']') {
		return Tail{}, truncated(jr.src.readErr())
	}
	if jr.src.take('}') {
		return Tail{}, errors.New("the report has no summary: the run that wrote it did not finish")
	}
	if !jr.src.take(',') {
		return Tail{}, truncated(jr.src.unexpected("a comma after the results"))
	}
	switch key, err := jr.topKey(); {
	case err != nil:
		return Tail{}, truncated(err)
	case key != "summary":
		return Tail{}, fmt.Errorf("the report is not whole: %q where its summary must be", key)
	}
	raw, err := jr.src.object(jr.opts.maxRecordSize(), &jr.keys, summaryLayout)
	if err != nil {
		return Tail{}, jr.objectError("the summary", err)
	}
	sum := jsonSummary{Total: -1}
	if err := jr.decoder.decode(raw, &sum); err != nil {
		return Tail{}, truncated(err)
	}
	if err := jr.keys.err; err != nil {
		return Tail{}, fmt.Errorf("the summary: %v", err)
	}
	if !jr.src.take('}') {
		return Tail{}, truncated(jr.src.unexpected("the end of the report"))
	}
	if _, more := jr.src.peek(); more {
		return Tail{}, errors.New("more follows the end of the report")
	} else if err := jr.src.readErr(); err != nil {
		return Tail{}, err
	}
	if sum.Total != jr.read {
		return Tail{}, fmt.Errorf("the summary counts %d results, but the report holds %d: results are missing", sum.Total, jr.read)
	}
	// A skipped check is no failure: a run skips checks when it is
	// interrupted, or stopped at a failure by --fail-fast, and not
	// otherwise.
	if jr.skipped.n != 0 && !sum.Interrupted && !jr.failing {
		return Tail{}, fmt.Errorf("%s is skipped, yet the run was not interrupted, and no check failed to stop it (--fail-fast)", jr.skipped)
	}
	switch {
	case sum.ElapsedMS < 0 || sum.ElapsedMS > MS(MaxRunTime):
		return Tail{}, fmt.Errorf("the summary: elapsed_ms %g is not a run's time: it is from 0 to %.0f (%d days)", sum.ElapsedMS, MS(MaxRunTime), MaxRunTime/(24*time.Hour))
	case sum.ICMPWaitMS < 0 || sum.ICMPWaitMS > sum.ElapsedMS:
		return Tail{}, fmt.Errorf("the summary: icmp_wait_ms %g is not within elapsed_ms %g", sum.ICMPWaitMS, sum.ElapsedMS)
	}
	elapsed := fromMS(sum.ElapsedMS)
	if end := jr.Meta.Start.Add(elapsed); jr.latest.After(end.Add(clockSlack)) {
		return Tail{}, fmt.Errorf("%s ends at %s, after its run ended at %s (its start and the summary's elapsed_ms)",
			jr.latestLast, jr.latest.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano))
	}
	return Tail{Total: sum.Total, Interrupted: sum.Interrupted, Elapsed: elapsed}, nil
}

// truncated names an error in the middle of a report for what it most
// likely is.
func truncated(err error) error {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the report ends early: it was cut, or the run that wrote it did not finish")
	}
	return fmt.Errorf("the report is not whole: %v", err)
}
