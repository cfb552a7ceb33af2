package report

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/verdict"
)

// TestIndexQuote holds indexQuote to bytes.IndexByte, on text with quotes
// anywhere in a word, every byte value around them, and any length.
func TestIndexQuote(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b[i] = '"' + 1 // a borrow's neighbour
			case 2:
				b[i] = 0x80 | byte(rng.IntN(128))
			default:
				b[i] = 'a'
			}
		}
		if len(b) > 0 && rng.IntN(2) == 0 {
			b[rng.IntN(len(b))] = '"'
		}
		if got, want := indexQuote(b), bytes.IndexByte(b, '"'); got != want {
			t.Fatalf("indexQuote(%q) = %d, want %d", b, got, want)
		}
	}
}

// TestJSONReaderLetsGoOfALargeResult: after a result of a MiB, the reader
// reads with its usual buffer again, and decodes with a new decoder, not
// one that keeps a MiB: merge reads hundreds of reports at once, and must
// hold a large result at a time, not one an input (issue #19, item 9).
func TestJSONReaderLetsGoOfALargeResult(t *testing.T) {
	var doc bytes.Buffer
	j := NewJSON(&doc)
	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	j.Begin(Meta{Version: "v", Hostname: "h", Files: []string{"a.hcl"}, Digest: "sha256:x", Start: start})
	var sum Summary
	for i := range 4 {
		r := Record{Host: "h", Address: "198.18.0.1", Protocol: "tcp", Port: uint16(i + 1), Expected: "listening",
			Actual: "LISTENING", Verdict: verdict.Pass, Source: "a.hcl:1:1", Order: [3]int{0, 0, i}}
		if i == 1 {
			r.Message = strings.Repeat("m", 1<<20-1000)
		}
		sum.Add(r)
		j.Result(r)
	}
	sum.Elapsed = time.Second
	if err := j.End(sum); err != nil {
		t.Fatal(err)
	}
	jr, err := OpenJSON(&doc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		r, ok, err := jr.Next()
		if err != nil || !ok {
			t.Fatalf("result %d: %v", i+1, err)
		}
		if i == 1 && len(r.Message) != 1<<20-1000 {
			t.Fatalf("the large result read with a message of %d bytes", len(r.Message))
		}
		if buf := len(jr.src.buf); buf != sourceBuffer || jr.decoder.dec != nil && i == 1 || cap(jr.decoder.next) > 0 {
			t.Errorf("after result %d, a buffer of %d bytes, want %d; a decoder kept: %v; the old buffer kept: %v",
				i+1, buf, sourceBuffer, jr.decoder.dec != nil, cap(jr.decoder.next) > 0)
		}
	}
	if _, ok, err := jr.Next(); ok || err != nil {
		t.Fatalf("a fifth result, or %v", err)
	}
	if _, err := jr.End(); err != nil {
		t.Fatal(err)
	}
}
