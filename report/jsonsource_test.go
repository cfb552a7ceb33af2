package report

import (
	"bytes"
	"math/rand/v2"
	"testing"
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
