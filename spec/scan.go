package spec

import (
	"bytes"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// scanTokens calls emit with the tokens of src, which must be UTF-8, as
// HCL's own scanner reads them in its normal mode (hclsyntax's
// scan_tokens.rl), each with its type, byte offset and, for identifiers,
// comments and the pieces of text of templates, text, until emit returns
// false. It holds nothing but the scanner's stacks: HCL's scanner keeps
// every token, some hundreds of bytes each, so checking a file of
// megabytes with it cost gigabytes before a byte was parsed.
// TestScanTokensAsHCL and FuzzScanTokens hold it to HCL's scanner.
func scanTokens(src []byte, emit func(t hclsyntax.TokenType, text []byte, offset int) bool) {
	s := scanner{src: src, emit: emit, frames: []scanFrame{{mode: inCode}}}
	i := 0
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) { // a byte order mark, which HCL skips
		i = 3
	}
	for i < len(src) && !s.stopped {
		switch s.frames[len(s.frames)-1].mode {
		case inCode:
			i = s.code(i)
		case inString:
			i = s.quoted(i)
		case inHeredoc:
			i = s.heredoc(i)
		}
	}
}

type scanMode uint8

const (
	inCode scanMode = iota
	inString
	inHeredoc
)

// scanFrame is the scanner's state for a part of the source it called
// into: code, a quoted template, or a heredoc with its closing marker.
type scanFrame struct {
	mode        scanMode
	marker      []byte
	startOfLine bool
}

type scanner struct {
	src     []byte
	emit    func(t hclsyntax.TokenType, text []byte, offset int) bool
	stopped bool
	frames  []scanFrame
	// braces counts the braces open, and retBraces holds its count at
	// each template sequence opened, as HCL's scanner does: the brace
	// that brings braces back to it ends the sequence.
	braces    int
	retBraces []int
}

func (s *scanner) token(t hclsyntax.TokenType, from, to int) int {
	var text []byte
	switch t {
	case hclsyntax.TokenIdent, hclsyntax.TokenComment, hclsyntax.TokenQuotedLit, hclsyntax.TokenStringLit:
		text = s.src[from:to]
	}
	if !s.emit(t, text, from) {
		s.stopped = true
	}
	return to
}

// at is the byte at i, or 0 past the end.
func (s *scanner) at(i int) byte {
	if i < len(s.src) {
		return s.src[i]
	}
	return 0
}

// single is the type of each token of one character that stands for
// itself in code.
var single = [128]hclsyntax.TokenType{
	'[': hclsyntax.TokenOBrack, ']': hclsyntax.TokenCBrack, '(': hclsyntax.TokenOParen, ')': hclsyntax.TokenCParen,
	',': hclsyntax.TokenComma, '*': hclsyntax.TokenStar, '+': hclsyntax.TokenPlus, '-': hclsyntax.TokenMinus,
	'%': hclsyntax.TokenPercent, '?': hclsyntax.TokenQuestion, '^': hclsyntax.TokenBitwiseXor,
	';': hclsyntax.TokenSemicolon, '`': hclsyntax.TokenBacktick, '\'': hclsyntax.TokenApostrophe,
}

// pairs are the tokens of two characters, by their first, and the token
// of the first alone.
var pairs = map[byte]struct {
	second      byte
	pair, alone hclsyntax.TokenType
}{
	'!': {'=', hclsyntax.TokenNotEqual, hclsyntax.TokenBang},
	'>': {'=', hclsyntax.TokenGreaterThanEq, hclsyntax.TokenGreaterThan},
	'<': {'=', hclsyntax.TokenLessThanEq, hclsyntax.TokenLessThan},
	'&': {'&', hclsyntax.TokenAnd, hclsyntax.TokenBitwiseAnd},
	'|': {'|', hclsyntax.TokenOr, hclsyntax.TokenBitwiseOr},
	':': {':', hclsyntax.TokenDoubleColon, hclsyntax.TokenColon},
}

func (s *scanner) code(i int) int {
	c, next := s.src[i], s.at(i+1)
	switch {
	case c == ' ' || c == '\t':
		for i++; s.at(i) == ' ' || s.at(i) == '\t'; i++ {
		}
		return i
	case c == '\n':
		return s.token(hclsyntax.TokenNewline, i, i+1)
	case c == '\r' && next == '\n':
		return s.token(hclsyntax.TokenNewline, i, i+2)
	case c == '#' || c == '/' && next == '/':
		end := len(s.src)
		if nl := bytes.IndexByte(s.src[i:], '\n'); nl >= 0 {
			end = i + nl + 1
		}
		return s.token(hclsyntax.TokenComment, i, end)
	case c == '/' && next == '*':
		if k := bytes.Index(s.src[i+2:], []byte("*/")); k >= 0 {
			return s.token(hclsyntax.TokenComment, i, i+2+k+2)
		}
		return s.token(hclsyntax.TokenSlash, i, i+1) // not closed: not a comment
	case c == '/':
		return s.token(hclsyntax.TokenSlash, i, i+1)
	case c == '"':
		s.frames = append(s.frames, scanFrame{mode: inString})
		return s.token(hclsyntax.TokenOQuote, i, i+1)
	case c == '<' && next == '<':
		if marker, end, ok := s.heredocIntroducer(i); ok {
			s.frames = append(s.frames, scanFrame{mode: inHeredoc, marker: marker, startOfLine: true})
			return s.token(hclsyntax.TokenOHeredoc, i, end)
		}
	case c == '=':
		switch next {
		case '=':
			return s.token(hclsyntax.TokenEqualOp, i, i+2)
		case '>':
			return s.token(hclsyntax.TokenFatArrow, i, i+2)
		}
		return s.token(hclsyntax.TokenEqual, i, i+1)
	case c == '.':
		if next == '.' && s.at(i+2) == '.' {
			return s.token(hclsyntax.TokenEllipsis, i, i+3)
		}
		return s.token(hclsyntax.TokenDot, i, i+1)
	case c == '~':
		if next == '}' {
			return s.closeBrace(i, i+2, true)
		}
		return s.token(hclsyntax.TokenBitwiseNot, i, i+1)
	case c == '{':
		s.braces++
		return s.token(hclsyntax.TokenOBrace, i, i+1)
	case c == '}':
		return s.closeBrace(i, i+1, false)
	case c >= '0' && c <= '9':
		return s.token(hclsyntax.TokenNumberLit, i, s.number(i))
	case c < utf8.RuneSelf && single[c] != 0:
		return s.token(single[c], i, i+1)
	}
	if p, ok := pairs[c]; ok {
		if next == p.second {
			return s.token(p.pair, i, i+2)
		}
		return s.token(p.alone, i, i+1)
	}
	if end := s.identifier(i); end > i {
		return s.token(hclsyntax.TokenIdent, i, end)
	}
	if size := charSize(s.src, i); size > 0 {
		return s.token(hclsyntax.TokenInvalid, i, i+size)
	}
	return s.token(hclsyntax.TokenBadUTF8, i, i+1)
}

// closeBrace ends a template sequence, when the brace at [i, end) brings
// the braces back to where the sequence opened, and is a closing brace
// otherwise; "~}" is a sequence's end either way, as HCL has it.
func (s *scanner) closeBrace(i, end int, tilde bool) int {
	if n := len(s.retBraces); n > 0 && s.retBraces[n-1] == s.braces {
		s.braces--
		s.retBraces = s.retBraces[:n-1]
		s.frames = s.frames[:len(s.frames)-1]
		return s.token(hclsyntax.TokenTemplateSeqEnd, i, end)
	}
	s.braces--
	if tilde {
		return s.token(hclsyntax.TokenTemplateSeqEnd, i, end)
	}
	return s.token(hclsyntax.TokenCBrace, i, end)
}

// number returns the end of the number at i: digits, dots and exponents,
// not ending with a dot.
func (s *scanner) number(i int) int {
	j := i + 1
	for j < len(s.src) {
		c := s.src[j]
		if c >= '0' && c <= '9' || c == '.' {
			j++
			continue
		}
		if c == 'e' || c == 'E' {
			k := j + 1
			if s.at(k) == '+' || s.at(k) == '-' {
				k++
			}
			if d := s.at(k); d >= '0' && d <= '9' {
				j = k + 1
				continue
			}
		}
		break
	}
	for s.src[j-1] == '.' {
		j--
	}
	return j
}

// identifier returns the end of the identifier at i, or i when none
// starts there: a letter or an underscore, then letters, digits,
// underscores and dashes, by Unicode's ID_Start and ID_Continue.
func (s *scanner) identifier(i int) int {
	r, size := utf8.DecodeRune(s.src[i:])
	if r != '_' && !idStart(r) {
		return i
	}
	for i += size; i < len(s.src); i += size {
		r, size = utf8.DecodeRune(s.src[i:])
		if r != '-' && !idContinue(r) {
			break
		}
	}
	return i
}

func idStart(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return idClass(r)&isIDStart != 0
}

func idContinue(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	return idClass(r)&isIDContinue != 0
}

const (
	isIDStart = 1 << iota
	isIDContinue
	classKnown
)

// idClasses caches, for each character beyond ASCII, whether HCL's scanner
// reads it as a letter that starts an identifier, or continues one. HCL's
// Unicode tables are not Go's (17.0 against 15.0), and a character read as
// part of a name by one and not the other would make an operator after
// it count or not; so HCL's scanner is asked, once a character.
var idClasses struct {
	sync.Mutex
	class map[rune]uint8
}

func idClass(r rune) uint8 {
	idClasses.Lock()
	defer idClasses.Unlock()
	if c, ok := idClasses.class[r]; ok {
		return c
	}
	if idClasses.class == nil {
		idClasses.class = map[rune]uint8{}
	}
	c := uint8(classKnown)
	ident := func(src string) bool {
		tokens, _ := hclsyntax.LexConfig([]byte(src), "", hcl.InitialPos)
		return len(tokens) == 2 && tokens[0].Type == hclsyntax.TokenIdent && len(tokens[0].Bytes) == len(src)
	}
	if ident(string(r)) {
		c |= isIDStart
	}
	if ident("a" + string(r)) {
		c |= isIDContinue
	}
	idClasses.class[r] = c
	return c
}

// heredocIntroducer reads "<<EOT" or "<<-EOT" and its newline at i, and
// returns the closing marker and the end. A marker of any but ASCII
// characters is left to HCL's scanner, whose Unicode tables may be newer
// than Go's: a heredoc seen where there is none, or missed, would count
// code as text or text as code.
func (s *scanner) heredocIntroducer(i int) (marker []byte, end int, ok bool) {
	j := i + 2
	if s.at(j) == '-' {
		j++
	}
	start, ascii := j, true
	for j < len(s.src) {
		c := s.src[j]
		if c >= utf8.RuneSelf {
			ascii = false
		} else if !(c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			break
		}
		j++
	}
	end = j + 1
	if s.at(j) == '\r' {
		end++
	}
	if j == start || s.at(end-1) != '\n' {
		return nil, 0, false
	}
	marker = s.src[start:j]
	if ascii {
		c := marker[0]
		return marker, end, c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	tokens, _ := hclsyntax.LexConfig(s.src[i:end], "", hcl.InitialPos)
	return marker, end, len(tokens) > 0 && tokens[0].Type == hclsyntax.TokenOHeredoc && len(tokens[0].Bytes) == end-i
}

// templateSequence opens "${" or "%{" (with "~" if it follows) at i, as
// c says, into code.
func (s *scanner) templateSequence(i int, c byte) int {
	end := i + 2
	if s.at(end) == '~' {
		end++
	}
	s.braces++
	s.retBraces = append(s.retBraces, s.braces)
	s.frames = append(s.frames, scanFrame{mode: inCode})
	if c == '$' {
		return s.token(hclsyntax.TokenTemplateInterp, i, end)
	}
	return s.token(hclsyntax.TokenTemplateControl, i, end)
}

// escapedSequence returns the end of "$${" or "%%{" (with "~" if it
// follows) at i, which is text, or i when there is none.
func (s *scanner) escapedSequence(i int) int {
	c := s.src[i]
	if s.at(i+1) != c || s.at(i+2) != '{' {
		return i
	}
	if s.at(i+3) == '~' {
		return i + 4
	}
	return i + 3
}

// quoted reads a quoted template's next token: its end, a template
// sequence, a newline, or a piece of its text, which is a "$" or "%" that
// starts no sequence, a "$${" or "%%{", or a run of other characters and
// escapes, as HCL's scanner cuts them.
func (s *scanner) quoted(i int) int {
	c, next := s.src[i], s.at(i+1)
	switch {
	case c == '"':
		s.frames = s.frames[:len(s.frames)-1]
		return s.token(hclsyntax.TokenCQuote, i, i+1)
	case (c == '$' || c == '%') && next == '{':
		return s.templateSequence(i, c)
	case c == '$' || c == '%':
		if end := s.escapedSequence(i); end > i {
			return s.token(hclsyntax.TokenQuotedLit, i, end)
		}
		if i+1 < len(s.src) {
			return s.token(hclsyntax.TokenQuotedLit, i, i+1)
		}
		return s.token(hclsyntax.TokenInvalid, i, i+1)
	case c == '\r' || c == '\n':
		j := i + 1
		for s.at(j) == '\r' || s.at(j) == '\n' {
			j++
		}
		return s.token(hclsyntax.TokenQuotedNewline, i, j)
	}
	j := i
	for j < len(s.src) {
		c := s.src[j]
		if c == '"' || c == '$' || c == '%' || c == '\r' || c == '\n' {
			break
		}
		if c == '\\' {
			size := 0
			if j+1 < len(s.src) && s.src[j+1] != '\r' && s.src[j+1] != '\n' {
				size = charSize(s.src, j+1)
			}
			if size == 0 {
				break
			}
			j += 1 + size
			continue
		}
		size := charSize(s.src, j)
		if size == 0 {
			break
		}
		j += size
	}
	switch {
	case j > i:
		return s.token(hclsyntax.TokenQuotedLit, i, j)
	case c == '\\':
		return s.token(hclsyntax.TokenInvalid, i, i+1)
	}
	return s.token(hclsyntax.TokenBadUTF8, i, i+1)
}

// heredoc reads a heredoc's next token: its closing marker, a template
// sequence, or a piece of its text, which is a "$" or "%" that starts no
// sequence, a "$${" or "%%{", or a run of other characters up to one of
// those or to the end of the line, the newline included, as HCL's scanner
// cuts them.
func (s *scanner) heredoc(i int) int {
	f := &s.frames[len(s.frames)-1]
	c, next := s.src[i], s.at(i+1)
	if (c == '$' || c == '%') && next == '{' {
		f.startOfLine = false
		return s.templateSequence(i, c)
	}
	if c == '$' || c == '%' {
		end := s.escapedSequence(i)
		switch {
		case end > i:
			// An escape that ends a line is one piece with its newline.
			if eol := s.endOfLine(end); eol > end {
				f.startOfLine = true
				return s.token(hclsyntax.TokenStringLit, i, eol)
			}
		case i+2 < len(s.src) && (s.src[i+2] == '\n' || s.src[i+2] == '\r'):
			// HCL's scanner takes the byte after a "$" into its text,
			// whatever it is, when a line may end after it.
			end = i + 2
		case i+1 < len(s.src):
			end = i + 1
		}
		if end == i {
			// HCL's scanner stops at a "$" that ends the source, and so
			// does this one.
			return s.stop(i)
		}
		f.startOfLine = false
		return s.token(hclsyntax.TokenStringLit, i, end)
	}
	j := i
	for j < len(s.src) && s.src[j] != '$' && s.src[j] != '%' && s.src[j] != '\r' && s.src[j] != '\n' {
		size := charSize(s.src, j)
		if size == 0 {
			break
		}
		j += size
	}
	eol := s.endOfLine(j)
	switch {
	case eol > j && f.startOfLine && bytes.Equal(bytes.TrimSpace(s.src[i:eol]), f.marker):
		nl := eol - 1
		if s.src[nl-1] == '\r' {
			nl--
		}
		s.frames = s.frames[:len(s.frames)-1]
		s.token(hclsyntax.TokenCHeredoc, i, nl)
		if s.stopped {
			return eol
		}
		return s.token(hclsyntax.TokenNewline, nl, eol)
	case eol > j:
		f.startOfLine = true
		return s.token(hclsyntax.TokenStringLit, i, eol)
	case j > i:
		f.startOfLine = false
		return s.token(hclsyntax.TokenStringLit, i, j)
	case s.at(j) == '\r':
		// A carriage return alone: HCL's scanner stops.
		return s.stop(j)
	}
	return s.token(hclsyntax.TokenBadUTF8, i, i+1)
}

// endOfLine returns the end of the newline ("\n" or "\r\n") at i, or i
// when none is there.
func (s *scanner) endOfLine(i int) int {
	switch {
	case s.at(i) == '\n':
		return i + 1
	case s.at(i) == '\r' && s.at(i+1) == '\n':
		return i + 2
	}
	return i
}

// stop ends the scan where HCL's scanner stops, with the rest of the
// source one invalid token, as HCL makes it.
func (s *scanner) stop(i int) int {
	s.token(hclsyntax.TokenInvalid, i, len(s.src))
	s.stopped = true
	return len(s.src)
}

// charSize is the size of the UTF-8 character at i as HCL's scanner
// sees one (a lead byte and its continuation bytes), or 0 for a byte that
// starts none.
func charSize(src []byte, i int) int {
	c := src[i]
	size := 0
	switch {
	case c < 0x80:
		return 1
	case c >= 0xC0 && c <= 0xDF:
		size = 2
	case c >= 0xE0 && c <= 0xEF:
		size = 3
	case c >= 0xF0 && c <= 0xF7:
		size = 4
	default:
		return 0
	}
	if i+size > len(src) {
		return 0
	}
	for _, b := range src[i+1 : i+size] {
		if b < 0x80 || b > 0xBF {
			return 0
		}
	}
	return size
}
