package spec

import (
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maxNesting is how deep a spec, a variable file or a variable's value
// may nest. HCL's parser recurses for every bracket, brace, quote and
// template directive, and for every unary operator and conditional; the
// trees it builds recurse when evaluated and walked for every binary
// operator, index, attribute and splat in a chain. A few hundred
// thousand levels overflow Go's stack, a fatal error no recover catches,
// at a gigabyte of memory. Real specs nest a few levels.
const maxNesting = 256

// nestingLevel is an open bracket, brace, quote, template sequence or
// template directive, or the outermost level.
type nestingLevel struct {
	closer hclsyntax.TokenType
	// newlines is set where a newline ends an expression: in a block body,
	// an object, and a file.
	newlines bool
	// chain counts the operators, indexes, attributes and splats of the
	// expression at this level so far.
	chain int
	// opened is set for a brace until its first token, which tells an
	// object or a body from a for expression, where newlines do not count.
	opened bool
	// control is set for a template directive's sequence, %{...}, and
	// keyword is its first word: "if" and "for" open a directive, "endif"
	// and "endfor" close one.
	control bool
	keyword string
}

// directive is the closer of a template directive's level, which is closed
// by an endif or endfor, not by a token of its own.
const directive = hclsyntax.TokenNil

// nesting follows how deep a source nests, token by token. The depth at a
// token is the number of brackets, braces, quotes, template sequences and
// template directives open around it, plus every operator, index,
// attribute and splat since the start of its expression at each of those
// levels: a chain of them nests as deep as it is long, and counting all of
// an expression's overestimates a tree no deeper. A comma or an equals
// sign starts a new expression at its level, and so does a newline where
// the parser reads newlines: in a block body, an object, and the file. An
// expression, a variable's value, is read as a whole; in a file, a
// newline ends an attribute's expression.
type nesting struct {
	stack []nestingLevel
	// depth is the levels open, all but the outermost, plus the chains of
	// all of them.
	depth int
}

func (n *nesting) top() *nestingLevel { return &n.stack[len(n.stack)-1] }

func (n *nesting) push(l nestingLevel) {
	n.stack = append(n.stack, l)
	n.depth++
}

func (n *nesting) pop() nestingLevel {
	l := *n.top()
	n.stack = n.stack[:len(n.stack)-1]
	n.depth -= 1 + l.chain
	return l
}

func (n *nesting) link() {
	n.top().chain++
	n.depth++
}

// endExpression starts a new expression at the innermost level.
func (n *nesting) endExpression() {
	n.depth -= n.top().chain
	n.top().chain = 0
}

// step takes the next token, of type t and, for an identifier, with text,
// and returns the depth after it. A line comment is a TokenComment that
// ends with its newline, as HCL's parser reads it.
func (n *nesting) step(t hclsyntax.TokenType, text []byte) int {
	top := n.top()
	if top.opened && t != hclsyntax.TokenNewline && t != hclsyntax.TokenComment {
		// The parser looks past newlines and comments for the for.
		top.opened = false
		if t == hclsyntax.TokenIdent && string(text) == "for" {
			top.newlines = false
		}
	}
	if top.control && top.keyword == "" && t == hclsyntax.TokenIdent {
		top.keyword = string(text)
	}
	switch t {
	case hclsyntax.TokenNewline:
		if top.newlines {
			n.endExpression()
		}
	case hclsyntax.TokenComment:
		if top.newlines && len(text) > 0 && text[len(text)-1] == '\n' {
			n.endExpression()
		}
	case hclsyntax.TokenComma, hclsyntax.TokenEqual:
		n.endExpression()
	case hclsyntax.TokenOBrace:
		n.push(nestingLevel{closer: hclsyntax.TokenCBrace, newlines: true, opened: true})
	case hclsyntax.TokenOBrack:
		n.push(nestingLevel{closer: hclsyntax.TokenCBrack})
	case hclsyntax.TokenOParen:
		n.push(nestingLevel{closer: hclsyntax.TokenCParen})
	case hclsyntax.TokenOQuote:
		n.push(nestingLevel{closer: hclsyntax.TokenCQuote})
	case hclsyntax.TokenOHeredoc:
		n.push(nestingLevel{closer: hclsyntax.TokenCHeredoc})
	case hclsyntax.TokenTemplateInterp:
		n.push(nestingLevel{closer: hclsyntax.TokenTemplateSeqEnd})
	case hclsyntax.TokenTemplateControl:
		n.push(nestingLevel{closer: hclsyntax.TokenTemplateSeqEnd, control: true})
	case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
		// A closer that closes nothing open leaves the depth as it is:
		// the parser fails there, and counting more is only safer.
		if len(n.stack) == 1 || top.closer != t {
			break
		}
		closed := n.pop()
		switch {
		case t == hclsyntax.TokenCBrack:
			n.link() // an index or a splat, or a list that may be indexed
		case closed.keyword == "if" || closed.keyword == "for":
			n.push(nestingLevel{closer: directive})
		case (closed.keyword == "endif" || closed.keyword == "endfor") && len(n.stack) > 1 && n.top().closer == directive:
			n.pop()
		}
	case hclsyntax.TokenBang, hclsyntax.TokenMinus, hclsyntax.TokenPlus, hclsyntax.TokenStar, hclsyntax.TokenSlash,
		hclsyntax.TokenPercent, hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan,
		hclsyntax.TokenLessThanEq, hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq, hclsyntax.TokenAnd,
		hclsyntax.TokenOr, hclsyntax.TokenQuestion, hclsyntax.TokenDot:
		n.link()
	}
	return n.depth
}
