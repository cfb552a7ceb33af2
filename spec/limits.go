package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// The most a single function call may build: more text than any
// description needs. Without them a line of an untrusted spec, such as
// format("%1000000000d", 1), or join("", [for i in range(1024) : local.s])
// of a string of 16 MB, exhausts memory before anything can report it.
// (range needs no cap: cty's refuses more than 1024 values itself.)
const (
	maxBuiltBytes  = 16 << 20
	maxFormatWidth = 1 << 16
	// elementBytes is about what an element of a list or map costs
	// beyond its own text: its value, boxed, and its place in a slice or
	// map. A quarter of a million elements are 16 MiB.
	elementBytes = 64
)

// bounded wraps f so that size sees the arguments before f builds
// anything, and says how many bytes f would build, or refuses them. It
// runs before f's type, which for some functions (concat of tuples) is
// already as large as the result.
func bounded(name string, f function.Function, size func(args []cty.Value) (int64, error)) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type: func(args []cty.Value) (cty.Type, error) {
			if known(args) {
				n, err := size(args)
				if err != nil {
					return cty.NilType, err
				}
				if n > maxBuiltBytes {
					return cty.NilType, fmt.Errorf("%s would build about %d bytes, more than the %d a spec may build in one call", name, n, maxBuiltBytes)
				}
			}
			return f.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) { return f.Call(args) },
	})
}

// known reports whether every argument is known, so that its size can be
// read (builtSize counts what is not known inside as little); the function
// itself reports the others.
func known(args []cty.Value) bool {
	for _, a := range args {
		if !a.IsKnown() {
			return false
		}
	}
	return true
}

// builtSize is about how many bytes v takes once built into a string or
// held as elements, counted only up to limit: a list of a thousand
// references to one string of megabytes is small in memory and huge once
// joined, so the walk stops as soon as it knows enough.
func builtSize(v cty.Value, limit int64) int64 {
	if !v.IsKnown() || v.IsNull() {
		return 4
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return int64(len(v.AsString()))
	case ty == cty.Number:
		// As many digits as "%f" writes: 1e100000000 is a hundred
		// million of them.
		exp := v.AsBigFloat().MantExp(nil)
		return int64(max(exp, -exp))*30103/100000 + 160
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType() || ty.IsMapType() || ty.IsObjectType():
		var n int64
		for it := v.ElementIterator(); it.Next() && n <= limit; {
			k, e := it.Element()
			n += elementBytes + builtSize(e, limit-n)
			if k.Type() == cty.String {
				n += int64(len(k.AsString()))
			}
		}
		return n
	}
	return 8
}

// elements is how many elements the collections of args hold.
func elements(args []cty.Value) int64 {
	var n int64
	for _, a := range args {
		if !a.IsNull() && (a.Type().IsCollectionType() || a.Type().IsTupleType() || a.Type().IsObjectType()) {
			n += int64(a.LengthInt())
		}
	}
	return n
}

var boundedReplace = bounded("replace", stdlib.ReplaceFunc, func(args []cty.Value) (int64, error) {
	s, sub, repl := len(args[0].AsString()), len(args[1].AsString()), len(args[2].AsString())
	// At most a match a byte, and one more when sub is empty.
	return int64(s) + (int64(s)/int64(max(sub, 1))+1)*int64(repl), nil
})

// join builds one string of every element and a separator between them.
var boundedJoin = bounded("join", stdlib.JoinFunc, func(args []cty.Value) (int64, error) {
	sep := int64(len(args[0].AsString()))
	var n int64
	for _, list := range args[1:] {
		for it := list.ElementIterator(); it.Next() && n <= maxBuiltBytes; {
			_, e := it.Element()
			n += sep + builtSize(e, maxBuiltBytes-n)
		}
	}
	return n, nil
})

// concat builds a list of every element of its lists.
var boundedConcat = bounded("concat", stdlib.ConcatFunc, func(args []cty.Value) (int64, error) {
	return elements(args) * elementBytes, nil
})

// flatten builds a list of every element of the lists nested in its
// argument.
var boundedFlatten = bounded("flatten", stdlib.FlattenFunc, func(args []cty.Value) (int64, error) {
	return leaves(args[0], maxBuiltBytes/elementBytes+1) * elementBytes, nil
})

// leaves counts the elements that flatten takes out of v's nested lists,
// up to limit.
func leaves(v cty.Value, limit int64) int64 {
	ty := v.Type()
	if !(ty.IsListType() || ty.IsSetType() || ty.IsTupleType()) || !v.IsKnown() || v.IsNull() {
		return 1
	}
	var n int64
	for it := v.ElementIterator(); it.Next() && n <= limit; {
		_, e := it.Element()
		n += leaves(e, limit-n)
	}
	return n
}

// chunklist builds the list again, cut into lists of size.
var boundedChunklist = bounded("chunklist", stdlib.ChunklistFunc, func(args []cty.Value) (int64, error) {
	n := int64(args[0].LengthInt())
	size, _ := args[1].AsBigFloat().Int64()
	chunks := int64(1)
	if size > 0 {
		chunks = n/size + 1
	}
	return (n + chunks) * elementBytes, nil
})

// split builds a list of the pieces between separators: one a character
// for an empty separator.
var boundedSplit = bounded("split", stdlib.SplitFunc, func(args []cty.Value) (int64, error) {
	sep, s := args[0].AsString(), args[1].AsString()
	pieces := int64(utf8.RuneCountInString(s))
	if sep != "" {
		pieces = int64(strings.Count(s, sep)) + 1
	}
	return pieces*elementBytes + int64(len(s)), nil
})

// zipmap builds a map of its keys.
var boundedZipmap = bounded("zipmap", stdlib.ZipmapFunc, func(args []cty.Value) (int64, error) {
	return int64(args[0].LengthInt()) * 2 * elementBytes, nil
})

// merge builds a map of the keys of all its maps.
var boundedMerge = bounded("merge", stdlib.MergeFunc, func(args []cty.Value) (int64, error) {
	return elements(args) * 2 * elementBytes, nil
})

// MaxPatternBytes is the longest regular expression a spec may have, for
// regex, regexall and a block's banner: a banner's pattern is a few
// dozen bytes. One of megabytes takes seconds and hundreds of megabytes
// to compile, its errors quote it whole ("missing closing ): …"), and a
// banner's reaches every report row of its block.
const MaxPatternBytes = 4 << 10

// checkPattern refuses a pattern longer than MaxPatternBytes, saying how
// long it is rather than quoting it.
func checkPattern(pattern string) error {
	if len(pattern) > MaxPatternBytes {
		return fmt.Errorf("the pattern is %d bytes, more than the %d a regular expression may be", len(pattern), MaxPatternBytes)
	}
	return nil
}

// regex builds the captures of one match: parts of its string.
var boundedRegex = bounded("regex", stdlib.RegexFunc, func(args []cty.Value) (int64, error) {
	return int64(len(args[1].AsString())) + elementBytes, checkPattern(args[0].AsString())
})

// regexall builds a list of its matches, at most one a byte and one more.
var boundedRegexAll = bounded("regexall", stdlib.RegexAllFunc, func(args []cty.Value) (int64, error) {
	return (int64(len(args[1].AsString())) + 1) * elementBytes, checkPattern(args[0].AsString())
})

// formatVerb finds a verb's width and precision in a format string.
var formatVerb = regexp.MustCompile(`%[-+# 0]*(\d*)(?:\.(\d*))?`)

// formatBound is what one formatting of format builds when no verb
// prints more than most bytes: the format string, the widths and
// precisions it asks for, and most for each verb, since "%[1]s%[1]s…"
// prints one argument as often as it likes. A width or precision over
// maxFormatWidth is refused outright.
func formatBound(format string, most int64) (int64, error) {
	n := int64(len(format))
	for _, m := range formatVerb.FindAllStringSubmatch(format, -1) {
		for _, digits := range m[1:] {
			w, err := strconv.Atoi(digits)
			if digits != "" && (err != nil || w > maxFormatWidth) {
				return 0, fmt.Errorf("the format asks for a width or precision of %s, more than %d", digits, maxFormatWidth)
			}
			n += int64(w)
		}
	}
	verbs := strings.Count(format, "%") - 2*strings.Count(format, "%%")
	return n + int64(max(verbs, 0))*most, nil
}

// formatSize is what format builds: every verb may print the largest
// argument.
func formatSize(args []cty.Value) (int64, error) {
	var most int64
	for _, a := range args[1:] {
		most = max(most, builtSize(a, maxBuiltBytes))
	}
	return formatBound(args[0].AsString(), most)
}

var boundedFormat = bounded("format", stdlib.FormatFunc, formatSize)

// formatlist formats once for each element of its lists; in a row, a
// verb prints at most the largest scalar argument or list element.
var boundedFormatList = bounded("formatlist", stdlib.FormatListFunc, func(args []cty.Value) (int64, error) {
	rows, most := int64(1), int64(0)
	for _, a := range args[1:] {
		if a.IsNull() || !(a.Type().IsListType() || a.Type().IsTupleType() || a.Type().IsSetType()) {
			most = max(most, builtSize(a, maxBuiltBytes))
			continue
		}
		rows = max(rows, int64(a.LengthInt()))
		for it := a.ElementIterator(); it.Next(); {
			_, e := it.Element()
			most = max(most, builtSize(e, maxBuiltBytes))
		}
	}
	row, err := formatBound(args[0].AsString(), most)
	if err != nil {
		return 0, err
	}
	return rows * (row + elementBytes), nil
})
