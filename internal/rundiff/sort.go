package rundiff

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"unsafe"

	"github.com/portspec/portspec/internal/heapof"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// Check is what a diff keeps of a result.
type Check struct {
	Vantage, Host, Address, Protocol string
	Port                             uint16
	// N tells apart the results of one key in one run, in report order:
	// two blocks may both check a port.
	N        int
	Expected string
	Actual   string
	Verdict  verdict.Verdict
	Message  string
	Source   string
}

func fromRecord(r report.Record) Check {
	return Check{Vantage: r.Vantage, Host: r.Host, Address: r.Address, Protocol: r.Protocol, Port: r.Port,
		Expected: r.Expected, Actual: r.Actual, Verdict: r.Verdict, Message: r.Message, Source: r.Source}
}

// texts are the check's text fields, in the order a run holds them.
func (c *Check) texts() [8]*string {
	return [...]*string{&c.Vantage, &c.Host, &c.Address, &c.Protocol, &c.Expected, &c.Actual, &c.Message, &c.Source}
}

// size is about the bytes the check holds in memory.
func (c Check) size() int {
	n := int(unsafe.Sizeof(c))
	for _, s := range c.texts() {
		n += len(*s)
	}
	return n
}

func compareKey(a, b Check) int {
	return cmp.Or(cmp.Compare(a.Vantage, b.Vantage), cmp.Compare(a.Host, b.Host), cmp.Compare(a.Address, b.Address),
		cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port))
}

func sameKey(a, b Check) bool { return compareKey(a, b) == 0 }

// The external sort's bounds, which hold diff's memory whatever the
// reports: chunkBytes of checks are sorted in memory before they go to
// disk as a sorted run (a million ordinary results make about 15 runs),
// and at most maxRuns runs are merged at once, each holding its next
// check. A check is at most --max-record-size, so a report of large
// results, or of text that escaping makes four times longer, makes more
// runs, not larger ones; past maxRuns, runs are merged into longer ones
// first.
var (
	chunkBytes = 16 << 20
	maxRuns    = 16
)

// runBuffer is how much of a run is written or read at once.
const runBuffer = 32 << 10

// sorted reads a report's records and returns them sorted by key, equal
// keys in report order and numbered by N. Runs wait in temporary files,
// unlinked at once so that they vanish with the process however it ends.
func sorted(next func() (report.Record, bool, error)) (m *mergedRun, err error) {
	var runs []*os.File
	defer func() {
		if err != nil {
			closeFiles(runs)
		}
	}()
	var chunk []Check
	held := 0
	spill := func() error {
		if len(chunk) == 0 {
			return nil
		}
		slices.SortStableFunc(chunk, compareKey)
		f, err := writeRun(func(w *runWriter) error {
			for _, c := range chunk {
				if err := w.write(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		runs = append(runs, f)
		// Cleared, so that the checks' text goes with them.
		clear(chunk)
		chunk, held = chunk[:0], 0
		return nil
	}
	for {
		r, ok, err := next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		c := fromRecord(r)
		chunk = append(chunk, c)
		if held += c.size(); held >= chunkBytes {
			if err := spill(); err != nil {
				return nil, err
			}
		}
	}
	if err := spill(); err != nil {
		return nil, err
	}
	for len(runs) > maxRuns {
		if runs, err = mergeRuns(runs); err != nil {
			return nil, err
		}
	}
	m = &mergedRun{}
	m.heads, err = openRuns(runs)
	if err != nil {
		return nil, err
	}
	m.files = runs
	return m, nil
}

// writeRun writes a sorted run, as write writes it, to a new temporary
// file, and returns the file at its start.
func writeRun(write func(*runWriter) error) (*os.File, error) {
	f, err := os.CreateTemp("", "portspec-diff-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	w := &runWriter{w: bufio.NewWriterSize(f, runBuffer)}
	err = write(w)
	if err == nil {
		err = w.w.Flush()
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// A run holds its checks one after another: the port, the verdict, and
// each text field's length and bytes, the numbers as uvarints. Unlike
// gob, reading one holds the check read and a buffer of runBuffer bytes,
// not the largest check of the run besides.
type runWriter struct {
	w       *bufio.Writer
	numbers []byte
}

func (rw *runWriter) write(c Check) error {
	rw.numbers = binary.AppendUvarint(rw.numbers[:0], uint64(c.Port))
	rw.numbers = binary.AppendUvarint(rw.numbers, uint64(c.Verdict))
	rw.w.Write(rw.numbers)
	for _, s := range c.texts() {
		rw.numbers = binary.AppendUvarint(rw.numbers[:0], uint64(len(*s)))
		rw.w.Write(rw.numbers)
		if _, err := rw.w.WriteString(*s); err != nil {
			return err
		}
	}
	return nil
}

// readCheck reads a check of a run; io.EOF at the end of the run.
func readCheck(r *bufio.Reader) (Check, error) {
	var c Check
	port, err := binary.ReadUvarint(r)
	if err != nil {
		return c, err // io.EOF where the run ends
	}
	v, err := binary.ReadUvarint(r)
	if err != nil {
		return c, unexpected(err)
	}
	c.Port, c.Verdict = uint16(port), verdict.Verdict(v)
	for _, s := range c.texts() {
		if *s, err = readText(r); err != nil {
			return c, unexpected(err)
		}
	}
	return c, nil
}

// readText reads a text field of a run, straight from r's buffer into
// its string.
func readText(r *bufio.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(int(n))
	for b.Len() < int(n) {
		p, err := r.Peek(min(int(n)-b.Len(), r.Size()))
		b.Write(p)
		r.Discard(len(p))
		if err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// unexpected is an error amid a check: the run was cut.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// mergeRuns merges each maxRuns runs in a row into one, in their order,
// and closes them: fewer, longer runs, in report order still.
func mergeRuns(runs []*os.File) ([]*os.File, error) {
	var merged []*os.File
	for len(runs) > 0 {
		group := runs[:min(maxRuns, len(runs))]
		runs = runs[len(group):]
		if len(group) == 1 {
			merged = append(merged, group[0])
			continue
		}
		heads, err := openRuns(group)
		var f *os.File
		if err == nil {
			f, err = writeRun(func(w *runWriter) error {
				for heads.Len() > 0 {
					c, err := popCheck(heads)
					if err != nil {
						return err
					}
					if err := w.write(c); err != nil {
						return err
					}
				}
				return nil
			})
		}
		closeFiles(group)
		if err != nil {
			closeFiles(merged)
			closeFiles(runs)
			return nil, err
		}
		merged = append(merged, f)
	}
	return merged, nil
}

// openRuns reads the first check of each run, in a heap of the runs by
// their next check.
func openRuns(runs []*os.File) (*heapof.Heap[*chunkReader], error) {
	h := heapof.New(chunkFirst)
	for i, f := range runs {
		r := &chunkReader{r: bufio.NewReaderSize(f, runBuffer), index: i}
		if err := r.advance(); err != nil {
			return nil, err
		}
		if r.ok {
			h.Push(r)
		}
	}
	return h, nil
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// mergedRun merges a run's sorted runs into one sorted stream.
type mergedRun struct {
	files   []*os.File
	heads   *heapof.Heap[*chunkReader]
	last    Check
	started bool
}

// next returns the next check in key order, or false after the last.
func (m *mergedRun) next() (Check, bool, error) {
	if m.heads.Len() == 0 {
		return Check{}, false, nil
	}
	c, err := popCheck(m.heads)
	if err != nil {
		return Check{}, false, err
	}
	if m.started && sameKey(m.last, c) {
		c.N = m.last.N + 1
	}
	m.last, m.started = c, true
	return c, true, nil
}

func (m *mergedRun) close() { closeFiles(m.files) }

type chunkReader struct {
	r     *bufio.Reader
	head  Check
	ok    bool
	index int // the run's place in the report, which breaks ties
}

func (r *chunkReader) advance() error {
	var err error
	r.head, err = readCheck(r.r)
	r.ok = err == nil
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// popCheck takes the least check of the runs, and reads the next of its
// run.
func popCheck(h *heapof.Heap[*chunkReader]) (Check, error) {
	r := h.Peek()
	c := r.head
	if err := r.advance(); err != nil {
		return Check{}, err
	}
	if r.ok {
		h.FixFirst()
	} else {
		h.Pop()
	}
	return c, nil
}

// chunkFirst orders runs by their next check, ties by the runs' order.
func chunkFirst(a, b *chunkReader) bool {
	if c := compareKey(a.head, b.head); c != 0 {
		return c < 0
	}
	return a.index < b.index
}
