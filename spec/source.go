package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// What HCL's parser may be given: every bound is far above what a policy
// needs, and far below what exhausts a machine. A file of 16 MiB can hold
// eight million tokens, which HCL's scanner and parser hold at some
// hundreds of bytes each, and hclwrite again: fmt -check of a list of
// eight million elements reached 8.8 GB. And the parser joins the pieces
// of text of a template one at a time, copying the text so far each time
// and moving every piece after it in its slice (hclsyntax's
// meldConsecutiveStringLiterals): 160,000 "$" in a string took 33 s,
// 40,000 heredoc lines of 100 bytes 58 s.
const (
	// maxTokens is how many tokens a spec file, a variable file or a
	// variable's value may have: names, numbers, operators, brackets,
	// newlines, comments and pieces of text. A million tokens are tens
	// of thousands of host blocks; the parser holds them in some hundreds
	// of megabytes.
	maxTokens = 1 << 20
	// maxJoining is how many bytes the parser may copy and move joining
	// the pieces of text of a source's templates: 256 MiB take about a
	// tenth of a second. A heredoc of 2,000 lines of 100 bytes is within
	// it; 4,000 are not.
	maxJoining = 256 << 20
	// templatePartBytes is what a part of a template takes in the
	// parser's slice, which joining a piece moves: an interface value.
	templatePartBytes = 16
)

// checkSource refuses src, read from name, when HCL's parser could not
// take it in bounded time, memory and stack: nested too deeply (nesting),
// made of too many tokens, or of templates whose pieces cost too much to
// join (joining). It reads src as HCL's scanner does (scanTokens), without
// holding the tokens, and says where the first bound is passed, before
// anything is parsed. expression says src is an expression, a variable's
// value, not a file.
func checkSource(src []byte, name string, expression bool) *hcl.Diagnostic {
	n := nesting{stack: []nestingLevel{{newlines: !expression}}}
	var j joining
	tokens := 0
	var summary, detail string
	at := -1
	scanTokens(src, func(t hclsyntax.TokenType, text []byte, offset int) bool {
		tokens++
		switch {
		case n.step(t, text) > maxNesting:
			summary = "Nested too deeply"
			detail = fmt.Sprintf("Brackets, braces, templates and chains of operators, indexes, attributes and splats nest more than %d deep here; no policy needs that many, and parsing it could exhaust the stack.",
				maxNesting)
		case tokens > maxTokens:
			summary = "Too many tokens"
			detail = fmt.Sprintf("There are more than %d tokens (names, numbers, operators, brackets, newlines, comments and pieces of text) by here; no policy needs that many, and the parser holds hundreds of bytes for each. Split the file.",
				maxTokens)
		case j.step(t, text) > maxJoining:
			summary = "Templates too costly to parse"
			detail = fmt.Sprintf("The parser joins the pieces of text of a template one at a time, copying the text so far each time: each line of a heredoc is a piece, and so is each \"$\" or \"%%\" that starts no sequence, each \"$${\" and \"%%%%{\", and the text between them. Joining the templates up to here would take more than %d MiB; no policy needs that many pieces. Write such a template in fewer pieces, or split it.",
				maxJoining>>20)
		default:
			return true
		}
		at = offset
		return false
	})
	if at < 0 {
		return nil
	}
	start := positionOf(src, at)
	end := start
	end.Byte++
	end.Column++
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: &hcl.Range{Filename: name, Start: start, End: end}}
}

// positionOf is the line and column of byte offset in src, counting
// columns in characters.
func positionOf(src []byte, offset int) hcl.Pos {
	pos := hcl.Pos{Line: 1, Column: 1, Byte: offset}
	for _, c := range src[:offset] {
		if c == '\n' {
			pos.Line++
			pos.Column = 1
		} else if c&0xC0 != 0x80 { // a character's first byte
			pos.Column++
		}
	}
	return pos
}

// joining counts, token by token, the bytes HCL's parser will copy and
// move to join the consecutive pieces of text of every template into
// one: at each piece that follows another, the text of the run so far
// and the piece, into a new string; and, for each piece joined, every
// part of its template after it, one place along its slice.
type joining struct {
	// templates are the templates open, innermost last.
	templates []templateRun
	bytes     int64
}

// templateRun is a template's run of pieces of text so far.
type templateRun struct {
	// text is the length of the run; inRun says the last part was a
	// piece of text, which the next one joins.
	text  int64
	inRun bool
	// joined counts the pieces joined so far, each of which moves every
	// part after it.
	joined int64
}

// step takes the next token, of type t and, for a piece of text, with
// its text, and returns the bytes counted so far.
func (j *joining) step(t hclsyntax.TokenType, text []byte) int64 {
	switch t {
	case hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
		j.templates = append(j.templates, templateRun{})
	case hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
		if len(j.templates) > 0 {
			j.templates = j.templates[:len(j.templates)-1]
		}
	case hclsyntax.TokenQuotedLit, hclsyntax.TokenStringLit, hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
		if len(j.templates) == 0 {
			break
		}
		r := &j.templates[len(j.templates)-1]
		j.bytes += r.joined * templatePartBytes
		if t == hclsyntax.TokenTemplateInterp || t == hclsyntax.TokenTemplateControl {
			r.inRun = false
			break
		}
		if r.inRun {
			r.text += int64(len(text))
			r.joined++
			j.bytes += r.text
		} else {
			r.text, r.inRun = int64(len(text)), true
		}
	}
	return j.bytes
}
