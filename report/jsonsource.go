package report

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
)

// jsonSource reads a JSON document a value at a time, holding at most one
// value, and never more than a caller's limit of it: a report is outside
// text, and a field of 300 MB must cost a read, not 300 MB.
type jsonSource struct {
	r   io.Reader
	buf []byte
	pos int   // the next unread byte of buf
	end int   // buf[pos:end] is read and not yet taken
	off int64 // where buf[0] is in the document
	err error // the reader's, once it has none to give
}

// sourceBuffer is how much of a report is read at once: a result takes a
// few hundred bytes, and merge reads hundreds of reports at once. The
// buffer grows for a larger value, up to the caller's limit, and shrinks
// back once the value is decoded (release): a merge holds a small buffer
// an input, not a large one.
const sourceBuffer = 16 << 10

func newJSONSource(r io.Reader) *jsonSource {
	return &jsonSource{r: r, buf: make([]byte, sourceBuffer)}
}

// offset is where the next byte is in the document.
func (s *jsonSource) offset() int64 { return s.off + int64(s.pos) }

// more reads more of the document behind buf[s.pos:s.end], and moves
// that to the front first; it grows buf, up to max bytes, when it is
// full. It returns false at the end of the document or on an error.
func (s *jsonSource) more(max int) bool {
	if s.err != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.off += int64(s.pos)
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= max {
			return false
		}
		grown := make([]byte, min(2*len(s.buf), max))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	for {
		// At most sourceBuffer at a time, even into a grown buffer: what
		// is read past a large value is then little enough for release
		// to keep in a buffer of the usual size.
		n, err := s.r.Read(s.buf[s.end:min(len(s.buf), s.end+sourceBuffer)])
		s.end += n
		if err != nil {
			s.err = err
		}
		if n > 0 || err != nil {
			return n > 0
		}
	}
}

// release lets go of a buffer grown for a large value, once the value is
// no longer needed: the next value is read into a buffer of the usual
// size.
func (s *jsonSource) release() {
	if len(s.buf) > sourceBuffer {
		buf := make([]byte, max(sourceBuffer, s.end-s.pos))
		s.off += int64(s.pos)
		s.buf, s.pos, s.end = buf, 0, copy(buf, s.buf[s.pos:s.end])
	}
}

// readErr says why the document stopped: it ended (nil), or it could not
// be read.
func (s *jsonSource) readErr() error {
	if errors.Is(s.err, io.EOF) {
		return nil
	}
	return s.err
}

// peek skips white space and returns the next byte without taking it; ok
// is false at the end of the document.
func (s *jsonSource) peek() (c byte, ok bool) {
	for {
		for ; s.pos < s.end; s.pos++ {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
			default:
				return c, true
			}
		}
		if !s.more(len(s.buf)) {
			return 0, false
		}
	}
}

// take takes the next byte, after white space, if it is c.
func (s *jsonSource) take(c byte) bool {
	if next, ok := s.peek(); ok && next == c {
		s.pos++
		return true
	}
	return false
}

// maxKey is the longest key read whole: every key of the layout is
// shorter, and a longer one is quoted cut.
const maxKey = 64

// key reads an object's key and the colon after it. A key longer than
// maxKey is no key of the layout: its start is returned, cut, with long
// set, and the rest is left unread.
func (s *jsonSource) key() (key string, long bool, err error) {
	if !s.take('"') {
		return "", false, s.unexpected("a key")
	}
	escaped := false
	for i := s.pos; ; i++ {
		if i == s.end {
			start := s.pos
			if !s.more(len(s.buf)) {
				return "", false, s.ended()
			}
			i -= start - s.pos
		}
		if i-s.pos > maxKey {
			return string(s.buf[s.pos:i]), true, nil
		}
		switch c := s.buf[i]; {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			key = string(s.buf[s.pos:i])
			s.pos = i + 1
			if strings.IndexByte(key, '\\') >= 0 {
				if err := json.Unmarshal([]byte(`"`+key+`"`), &key); err != nil {
					return "", false, fmt.Errorf("a key that is not a JSON string at byte %d: %v", s.offset(), err)
				}
			}
			if !s.take(':') {
				return "", false, s.unexpected("a colon after a key")
			}
			return key, false, nil
		}
	}
}

// errTooLarge is a value longer than the limit its caller gave.
var errTooLarge = errors.New("too large")

// object returns the bytes of the next value, which must be a JSON
// object, and takes them: valid until the next call. A value longer than
// limit bytes is errTooLarge, found after reading limit bytes of it, not
// all of it. keys checks the object's keys against l in the same pass;
// its error is for the caller to give once the object has decoded, since
// the syntax is the decoder's to check: object finds only where it ends.
func (s *jsonSource) object(limit int, keys *keyScan, l *layout) ([]byte, error) {
	if c, ok := s.peek(); !ok {
		return nil, s.ended()
	} else if c != '{' {
		return nil, s.unexpected("an object")
	}
	keys.reset(l)
	inString, inKey := false, false
	keyStart := 0   // where the key being read starts, from s.pos
	prev := byte(0) // the last byte outside strings and white space
	for i := s.pos; ; {
		if i == s.end {
			if i-s.pos > limit {
				return nil, errTooLarge
			}
			start := s.pos
			if !s.more(limit + 1) {
				if i-s.pos > limit {
					return nil, errTooLarge
				}
				return nil, s.ended()
			}
			i -= start - s.pos
		}
		if inString {
			// The closing quote is the first one not escaped: after an
			// even run of backslashes.
			q := indexQuote(s.buf[i:s.end])
			if q < 0 {
				i = s.end
				continue
			}
			i += q + 1
			backslashes := 0
			for j := i - 2; s.buf[j] == '\\'; j-- {
				backslashes++
			}
			if inString = backslashes%2 == 1; !inString && inKey {
				keys.key(s.buf[s.pos+keyStart : i-1])
				inKey = false
			}
			continue
		}
		c := s.buf[i]
		i++
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
			if keys.wantsKey() {
				inKey, keyStart = true, i-s.pos
			}
		case '{', '[':
			keys.open(c)
		case '}', ']':
			keys.close(prev == '{' || prev == '[')
			if keys.depth() == 0 {
				if i-s.pos > limit {
					return nil, errTooLarge
				}
				v := s.buf[s.pos:i]
				s.pos = i
				return v, nil
			}
		case ',':
			keys.comma()
		}
		prev = c
	}
}

// indexQuote is bytes.IndexByte(b, '"') for the short strings of a
// report, shorter than a call to IndexByte is worth: eight bytes at a
// time, where a byte of the word that is '"' makes its own top bit set
// in (w^quotes)-ones &^ (w^quotes).
func indexQuote(b []byte) int {
	const (
		ones   = 0x0101010101010101
		highs  = 0x8080808080808080
		quotes = '"' * ones
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:]) ^ quotes
		if found := (w - ones) &^ w & highs; found != 0 {
			return i + bits.TrailingZeros64(found)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '"' {
			return i
		}
	}
	return -1
}

// ended is the error of a document that stopped where more must follow.
func (s *jsonSource) ended() error {
	if err := s.readErr(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// unexpected is the error of a byte that is not what must follow.
func (s *jsonSource) unexpected(want string) error {
	c, ok := s.peek()
	if !ok {
		return s.ended()
	}
	return fmt.Errorf("%s at byte %d, where %s must be", strconv.QuoteRune(rune(c)), s.offset(), want)
}
