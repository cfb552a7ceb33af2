package spec

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// The most a single function call may build: more text than any
// description needs. Without them a line of an untrusted spec, such as
// format("%1000000000d", 1), exhausts memory before anything can report
// it. (range needs no cap: cty's refuses more than 1024 values itself.)
const (
	maxBuiltBytes  = 16 << 20
	maxFormatWidth = 1 << 16
)

// bounded wraps f so that check sees the arguments before f builds
// anything, and can refuse them.
func bounded(f function.Function, check func(args []cty.Value) error) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        func(args []cty.Value) (cty.Type, error) { return f.ReturnTypeForValues(args) },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if err := check(args); err != nil {
				return cty.NilVal, err
			}
			return f.Call(args)
		},
	})
}

// known reports whether every argument is known and not null, so that
// its size can be read; the function itself reports the others.
func known(args []cty.Value) bool {
	for _, a := range args {
		if !a.IsWhollyKnown() || a.IsNull() {
			return false
		}
	}
	return true
}

var boundedReplace = bounded(stdlib.ReplaceFunc, func(args []cty.Value) error {
	if !known(args) || len(args) != 3 || args[0].Type() != cty.String || args[1].Type() != cty.String || args[2].Type() != cty.String {
		return nil
	}
	s, sub, repl := len(args[0].AsString()), len(args[1].AsString()), len(args[2].AsString())
	// At most a match a byte, and one more when sub is empty.
	most := int64(s) + (int64(s)/int64(max(sub, 1))+1)*int64(repl)
	if most > maxBuiltBytes {
		return fmt.Errorf("replace could build %d bytes, more than the %d a spec may build", most, maxBuiltBytes)
	}
	return nil
})

// formatVerb finds a verb's width and precision in a format string.
var formatVerb = regexp.MustCompile(`%[-+# 0]*(\d*)(?:\.(\d*))?`)

func checkFormatWidths(args []cty.Value) error {
	if len(args) == 0 || !args[0].IsWhollyKnown() || args[0].IsNull() || args[0].Type() != cty.String {
		return nil
	}
	for _, m := range formatVerb.FindAllStringSubmatch(args[0].AsString(), -1) {
		for _, digits := range m[1:] {
			if n, err := strconv.Atoi(digits); digits != "" && (err != nil || n > maxFormatWidth) {
				return fmt.Errorf("the format asks for a width or precision of %s, more than %d", digits, maxFormatWidth)
			}
		}
	}
	return nil
}

var (
	boundedFormat     = bounded(stdlib.FormatFunc, checkFormatWidths)
	boundedFormatList = bounded(stdlib.FormatListFunc, checkFormatWidths)
)
