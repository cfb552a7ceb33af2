package agent

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/portspec/portspec/runner"
	"github.com/portspec/portspec/verdict"
)

// randomResults are results of every shape the hand-written codec meets,
// and some it leaves to encoding/json, from a fixed seed.
func randomResults(n int) []wireResult {
	r := rand.New(rand.NewPCG(1, 2))
	plainTexts := []string{"", "", "lookup x.example.com: no such host", "ünïcode ok", "DNS reply, rcode NOERROR"}
	oddTexts := []string{`quote " and \ back`, "<script>", "\x1b[2J", "a\u2028b", "tab\there", "\xff bad"}
	addrs := []netip.Addr{{}, netip.MustParseAddr("198.18.1.2"), netip.MustParseAddr("2001:db8::5"), netip.MustParseAddr("::ffff:198.18.1.2")}
	floats := []float64{0, 1, 0.5, 0.0035297961165048544, 1e-7, 1e-9, 2.5e21, 123456789.125}
	// A text encoding/json escapes now and then, so that some results
	// go to encoding/json and most are written by hand.
	pick := func() string {
		if r.IntN(40) == 0 {
			return oddTexts[r.IntN(len(oddTexts))]
		}
		return plainTexts[r.IntN(len(plainTexts))]
	}
	start := time.Date(2026, 12, 3, 13, 37, 13, 64869421, time.UTC)
	var out []wireResult
	for i := range n {
		w := wireResult{ID: r.IntN(1 << 40), Status: verdict.Status(r.IntN(5)), Start: start.Add(time.Duration(r.Int64N(1e12))),
			Duration: time.Duration(r.Int64N(1e10)), Skipped: r.IntN(10) == 0, Stopped: r.IntN(20) == 0, Err: pick()}
		if i%7 == 0 {
			w.Start = w.Start.In(time.FixedZone("", 3600))
		}
		e := &w.Evidence
		e.Signal, e.App, e.Probe = runner.Signal(r.IntN(7)), pick(), pick()
		e.Timeout, e.Silence = time.Duration(r.Int64N(2e9)), runner.SilenceProof(r.IntN(3))
		if r.IntN(3) == 0 {
			e.ICMP = &runner.ICMPError{V6: r.IntN(2) == 0, Type: uint8(r.IntN(256)), Code: uint8(r.IntN(256)), From: addrs[r.IntN(len(addrs))]}
		}
		if r.IntN(3) == 0 {
			e.Reply = []byte("220 mx ESMTP\r\n\x00\xff")[:r.IntN(17)]
		}
		for range r.IntN(4) {
			t := wireTryOf{Try: runner.Try{Start: w.Start, Duration: time.Duration(r.Int64N(1e9)), Timeout: time.Second, Signal: runner.Signal(r.IntN(7)),
				Source: addrs[r.IntN(len(addrs))], Confirm: r.IntN(2) == 0, Tokens: floats[r.IntN(len(floats))], Proven: r.IntN(2) == 0}, Err: pick()}
			if r.IntN(4) == 0 {
				t.ICMP = &runner.ICMPError{Type: 3, Code: 3, From: addrs[1]}
			}
			e.Tries = append(e.Tries, t)
		}
		out = append(out, w)
	}
	return out
}

// decodeStrict is how the protocol reads a line without the codec.
func decodeStrict(line []byte) (message, error) {
	var m message
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	err := dec.Decode(&m)
	return m, err
}

// TestResultCodec: the hand-written result line is encoding/json's, byte
// for byte, whenever it writes one, and reads back as encoding/json reads
// it; most results are written by hand.
func TestResultCodec(t *testing.T) {
	byHand := 0
	results := randomResults(3000)
	for i := range results {
		w := &results[i]
		want, err := json.Marshal(message{Result: w})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		got, ok := appendResultLine(nil, w)
		if !ok {
			continue
		}
		byHand++
		if !bytes.Equal(got, want) {
			t.Fatalf("result %d:\nhand %s\njson %s", i, got, want)
		}
		line := bytes.TrimSuffix(got, []byte("\n"))
		read, ok := readResultLine(line)
		strict, err := decodeStrict(line)
		if !ok || err != nil || !reflect.DeepEqual(read, *strict.Result) {
			t.Fatalf("result %d read by hand (%v) differs from encoding/json's (%v):\n%+v\n%+v", i, ok, err, read, *strict.Result)
		}
	}
	if byHand < len(results)/4 {
		t.Errorf("%d of %d results written by hand", byHand, len(results))
	}
	t.Logf("%d of %d results written by hand", byHand, len(results))
}

// TestProbeCodec: likewise for probe lines.
func TestProbeCodec(t *testing.T) {
	for i, p := range []runner.Probe{
		{Addr: netip.MustParseAddr("198.18.1.2"), Proto: verdict.TCP, Port: 5432, Group: "host db"},
		{Addr: netip.MustParseAddr("2001:db8::5"), Proto: verdict.UDP, Port: 53, Local: true},
		{Proto: verdict.TCP, Port: 443, Unresolved: errLookup},
		{Addr: netip.MustParseAddr("198.18.1.2"), Port: 1, Group: `a "quoted" group`},
	} {
		for _, opts := range []int{0, 3} {
			want, _ := json.Marshal(message{Probe: ptr(probeOf(i, opts, p))})
			want = append(want, '\n')
			got, ok := appendProbeLine(nil, i, opts, p)
			if !ok {
				continue
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("probe %d:\nhand %s\njson %s", i, got, want)
			}
			line := bytes.TrimSuffix(got, []byte("\n"))
			read, ok := readProbeLine(line)
			strict, err := decodeStrict(line)
			if !ok || err != nil || !reflect.DeepEqual(read, *strict.Probe) {
				t.Fatalf("probe %d read by hand (%v) differs: %+v %+v (%v)", i, ok, read, strict.Probe, err)
			}
		}
	}
}

var errLookup = &lookupError{"lookup x.example.com: no such host"}

type lookupError struct{ s string }

func (e *lookupError) Error() string { return e.s }

// FuzzReadResultLine: whatever a far end sends, a line the hand reader
// takes is one encoding/json takes too, as the same value.
func FuzzReadResultLine(f *testing.F) {
	for _, w := range randomResults(40) {
		if line, ok := appendResultLine(nil, &w); ok {
			f.Add(bytes.TrimSuffix(line, []byte("\n")))
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		read, ok := readResultLine(line)
		if !ok {
			return
		}
		strict, err := decodeStrict(line)
		if err != nil || strict.Result == nil || !reflect.DeepEqual(read, *strict.Result) {
			t.Fatalf("%q: the hand reader took %+v, encoding/json %+v (%v)", line, read, strict.Result, err)
		}
	})
}

// FuzzReadProbeLine: likewise for probes, which the agent reads.
func FuzzReadProbeLine(f *testing.F) {
	f.Add([]byte(`{"probe":{"id":7,"addr":"198.18.1.2","proto":0,"port":5432,"opts":1,"group":"host db"}}`))
	f.Add([]byte(`{"probe":{"id":0,"addr":"","proto":1,"port":53,"local":true,"unresolved":"no such host"}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		read, ok := readProbeLine(line)
		if !ok {
			return
		}
		strict, err := decodeStrict(line)
		if err != nil || strict.Probe == nil || !reflect.DeepEqual(read, *strict.Probe) {
			t.Fatalf("%q: the hand reader took %+v, encoding/json %+v (%v)", line, read, strict.Probe, err)
		}
	})
}
