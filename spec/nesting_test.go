package spec

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// nestingShape is an expression that makes HCL's parser recurse, or the
// tree it builds recurse when evaluated, once for each repetition.
type nestingShape struct {
	name                             string
	prefix, open, core, tail, suffix string
}

func (s nestingShape) expression(n int) string {
	return s.prefix + strings.Repeat(s.open, n) + s.core + strings.Repeat(s.tail, n) + s.suffix
}

// nestingShapes are every way found in hclsyntax's parser to recurse
// (issue #19, item 6).
var nestingShapes = []nestingShape{
	{"not", "", "!", "true", "", ""},
	{"negation", "", "-", "1", "", ""},
	{"conditional", "", "true ? ", "1", " : 1", ""},
	{"conditional in the false branch", "", "true ? 1 : ", "1", "", ""},
	{"binary operators", "", "1 + ", "1", "", ""},
	{"splat", "", "", "a", "[*]", ""},
	{"attribute splat", "", "", "a", ".*.b", ""},
	{"index", "", "", "a", "[0]", ""},
	{"index by expression", "", "", "a", "[a]", ""},
	{"attribute", "", "", "a", ".b", ""},
	{"parentheses", "", "(", "1", ")", ""},
	{"template interpolation", "", `"${`, "1", `}"`, ""},
	{"template if", `"`, "%{if true}", "x", "%{endif}", `"`},
	{"template for", `"`, "%{for x in [1]}", "x", "%{endfor}", `"`},
	// Once past a byte-counting check: the brackets in the strings
	// closed the ones outside.
	{"brackets with strings of brackets", "", `["]", `, "1", "]", ""},
}

// Each shape nested a million times is refused before HCL's parser
// recurses into it, at the place where it gets too deep, in a spec file,
// a variable file, a --var, the environment and fmt: 1,000,000 "!"
// overflowed the stack at 1.3 GB (issue #19, item 6). The memory it takes
// is measured where it can be, in a process of its own
// (cmd/portspec's TestNestingBombsBounded).
func TestNestingShapes(t *testing.T) {
	const n = 1_000_000
	for _, shape := range nestingShapes {
		t.Run(shape.name, func(t *testing.T) {
			t.Parallel()
			expr := shape.expression(n)
			spec := "variable \"v\" {\n  type = number\n  default = 1\n}\nlocals {\n  x = " + expr + "\n}\n"
			start := time.Now()
			for _, tc := range []struct {
				how  string
				opts Options
			}{
				{"spec file", Options{}},
				{"variable file", Options{VarFiles: []string{"vars.hcl"}}},
				{"--var", Options{Vars: []string{"v=" + expr}}},
				{"environment", Options{Environ: []string{EnvPrefix + "v=" + expr}}},
			} {
				l := NewLoader()
				l.FS = fstest.MapFS{
					"spec.hcl": {Data: []byte(spec)},
					"vars.hcl": {Data: []byte("v = " + expr + "\n")},
					"ok.hcl":   {Data: []byte("variable \"v\" {\n  type = number\n  default = 1\n}\n")},
				}
				l.MaxFileSize = 64 << 20
				path := "ok.hcl"
				if tc.how == "spec file" {
					path = "spec.hcl"
				}
				_, diags := l.Load([]string{path}, tc.opts)
				if len(diags) != 1 || diags[0].Summary != "Nested too deeply" {
					t.Fatalf("%s: %s", tc.how, render(l, diags))
				}
			}
			l := NewLoader()
			l.FS = fstest.MapFS{"spec.hcl": {Data: []byte(spec)}}
			l.MaxFileSize = 64 << 20
			if _, _, diags := l.Format("spec.hcl"); len(diags) != 1 || diags[0].Summary != "Nested too deeply" {
				t.Fatalf("fmt: %s", render(l, diags))
			}
			t.Logf("%d bytes nested %d times: refused five ways in %s", len(expr), n, time.Since(start).Round(time.Millisecond))
		})
	}
}

// The limit is where the depth passes 256, counting the locals block:
// 255 "!" load, 256 are refused at the last; so is a chain of 256
// operators over lines in parentheses, where newlines do not end it.
func TestNestingLimit(t *testing.T) {
	load := func(src string) hcl.Diagnostics {
		l := NewLoader()
		l.FS = fstest.MapFS{"spec.hcl": {Data: []byte(src)}}
		_, diags := l.Load([]string{"spec.hcl"}, Options{})
		return diags
	}
	if diags := load("locals {\n  x = " + strings.Repeat("!", maxNesting-1) + "true\n}\n"); diags.HasErrors() {
		t.Errorf("255 operators deep: %s", diags)
	}
	diags := load("locals {\n  x = " + strings.Repeat("!", maxNesting) + "true\n}\n")
	if len(diags) != 1 || diags[0].Summary != "Nested too deeply" || diags[0].Subject.Start != (hcl.Pos{Line: 2, Column: 7 + maxNesting - 1, Byte: 15 + maxNesting - 1}) {
		t.Errorf("256 operators deep: %s at %v", diags, diags[0].Subject)
	}
	diags = load("locals {\n  x = (1" + strings.Repeat(" +\n 1", maxNesting) + ")\n}\n")
	if len(diags) != 1 || diags[0].Summary != "Nested too deeply" {
		t.Errorf("256 operators over lines: %s", diags)
	}
}

// What specs write, however long, is not nesting: operators in strings,
// comments and heredocs, long lists, many attributes and blocks.
func TestNestingAllowsLongSpecs(t *testing.T) {
	var b strings.Builder
	b.WriteString("# " + strings.Repeat("-=!?.", 1000) + "\n")
	b.WriteString("locals {\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "  a%d = -1 + 2 * 3 # a - b - c\n", i)
	}
	b.WriteString("  d = \"" + strings.Repeat("a-b.c?d!e ", 1000) + "\"\n")
	b.WriteString("  h = <<EOT\n" + strings.Repeat("- [ ( { ! . ?\n", 1000) + "EOT\n")
	b.WriteString("  l = [" + strings.Repeat("-1, a.b.c, ", 1000) + "]\n")
	b.WriteString("  o = {\n" + strings.Repeat("    k = -1 + 1\n", 1000) + "  }\n")
	b.WriteString("}\n")
	if diags := checkSource([]byte(b.String()), "long.hcl", false); diags != nil {
		t.Errorf("refused: %s", diags)
	}
}
