package spec

import (
	"fmt"
	"sort"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions are the only functions a spec can call. All are pure: none reads
// a file or the environment or runs anything, so evaluating an untrusted
// spec is safe.
var functions = map[string]function.Function{
	"abs":             stdlib.AbsoluteFunc,
	"ceil":            stdlib.CeilFunc,
	"chunklist":       boundedChunklist,
	"coalesce":        stdlib.CoalesceFunc,
	"coalescelist":    stdlib.CoalesceListFunc,
	"compact":         stdlib.CompactFunc,
	"concat":          boundedConcat,
	"contains":        stdlib.ContainsFunc,
	"distinct":        stdlib.DistinctFunc,
	"element":         stdlib.ElementFunc,
	"flatten":         boundedFlatten,
	"floor":           stdlib.FloorFunc,
	"format":          boundedFormat,
	"formatlist":      boundedFormatList,
	"join":            boundedJoin,
	"keys":            stdlib.KeysFunc,
	"length":          stdlib.LengthFunc,
	"lookup":          stdlib.LookupFunc,
	"lower":           stdlib.LowerFunc,
	"max":             stdlib.MaxFunc,
	"merge":           boundedMerge,
	"min":             stdlib.MinFunc,
	"parseint":        stdlib.ParseIntFunc,
	"range":           stdlib.RangeFunc,
	"regex":           boundedRegex,
	"regexall":        boundedRegexAll,
	"replace":         boundedReplace,
	"reverse":         stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"slice":           stdlib.SliceFunc,
	"sort":            stdlib.SortFunc,
	"split":           boundedSplit,
	"strlen":          stdlib.StrlenFunc,
	"substr":          stdlib.SubstrFunc,
	"title":           stdlib.TitleFunc,
	"trim":            stdlib.TrimFunc,
	"trimprefix":      stdlib.TrimPrefixFunc,
	"trimspace":       stdlib.TrimSpaceFunc,
	"trimsuffix":      stdlib.TrimSuffixFunc,
	"upper":           stdlib.UpperFunc,
	"values":          stdlib.ValuesFunc,
	"zipmap":          boundedZipmap,
}

// functionNames lists the functions a spec can call, sorted.
func functionNames() []string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// evaluator evaluates expressions against var.* and local.*. A name whose
// own definition failed is remembered as broken, and expressions that use it
// fail quietly: the cause has been reported once already.
type evaluator struct {
	vars, locals map[string]cty.Value
	// declared holds every declared variable and local, broken or not, for
	// telling "undeclared" from "broken".
	declaredVars, declaredLocals map[string]bool
	// evaluating is where the loader publishes the expression being
	// evaluated; nil for an evaluator of no loader.
	evaluating *atomic.Pointer[hcl.Range]
	// limit bounds evaluation's steps, memory and time; fns are the
	// functions, its step among them.
	limit *stepLimit
	fns   map[string]function.Function
	// stopped says the limit's error was reported: later expressions
	// fail quietly.
	stopped bool
}

func newEvaluator(opts Options, guarded map[*hclsyntax.ForExpr]bool) *evaluator {
	limit := newStepLimit(opts, guarded)
	e := &evaluator{
		vars:           map[string]cty.Value{},
		locals:         map[string]cty.Value{},
		declaredVars:   map[string]bool{},
		declaredLocals: map[string]bool{},
		limit:          limit,
		fns:            limit.functions(),
	}
	return e
}

// evaluate evaluates expr in ctx within the limit. ok is false when the
// limit stopped it, or had already: the first time, diags says so at
// expr, and the value is not to be used.
func (e *evaluator) evaluate(expr hcl.Expression, ctx *hcl.EvalContext) (v cty.Value, diags hcl.Diagnostics, ok bool) {
	if !e.limit.before() {
		e.limit.guardFors(expr)
		v, diags = expr.Value(ctx)
		diags = withoutStepName(diags)
	}
	if e.limit.over == "" {
		return v, diags, true
	}
	if !e.stopped {
		e.stopped = true
		return cty.NilVal, hcl.Diagnostics{e.limit.diagnostic(expr)}, false
	}
	return cty.NilVal, nil, false
}

func (e *evaluator) setVar(name string, v cty.Value)   { e.vars[name] = v }
func (e *evaluator) setLocal(name string, v cty.Value) { e.locals[name] = v }

// contextFor is the evaluation context of expr: var and local objects of
// just the names it refers to (checkReferences made sure each reference
// names one). An object of every local, rebuilt each time one was set,
// made 40,000 locals take minutes.
func (e *evaluator) contextFor(expr hcl.Expression) *hcl.EvalContext {
	vars, locals := map[string]cty.Value{}, map[string]cty.Value{}
	for _, t := range expr.Variables() {
		if len(t) < 2 {
			continue
		}
		a, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		switch t.RootName() {
		case "var":
			vars[a.Name] = e.vars[a.Name]
		case "local":
			locals[a.Name] = e.locals[a.Name]
		}
	}
	return &hcl.EvalContext{Functions: e.fns, Variables: map[string]cty.Value{
		"var": cty.ObjectVal(vars), "local": cty.ObjectVal(locals),
	}}
}

// checkReferences reports references to anything but declared var.* and
// local.* names. ok is false when the expression must not be evaluated,
// including when it uses a name that is declared but broken.
func (e *evaluator) checkReferences(expr hcl.Expression) (ok bool, diags hcl.Diagnostics) {
	ok = true
	for _, t := range expr.Variables() {
		root := t.RootName()
		var name string
		if len(t) > 1 {
			if a, isAttr := t[1].(hcl.TraverseAttr); isAttr {
				name = a.Name
			}
		}
		switch root {
		case "var", "local":
			declared, values, kind := e.declaredVars, e.vars, "variable"
			if root == "local" {
				declared, values, kind = e.declaredLocals, e.locals, "local value"
			}
			if name == "" {
				ok = false
				diags = diags.Append(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid reference",
					Detail:   fmt.Sprintf("A reference to %s must name one, as in %s.<name>.", root, root),
					Subject:  t.SourceRange().Ptr(),
				})
				continue
			}
			if !declared[name] {
				ok = false
				diags = diags.Append(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Undefined %s %q", kind, name),
					Detail:   fmt.Sprintf("There is no %s named %q.%s", kind, name, didYouMean(name, keys(declared))),
					Subject:  t.SourceRange().Ptr(),
				})
				continue
			}
			if _, has := values[name]; !has {
				ok = false // broken: already reported
			}
		default:
			ok = false
			diags = diags.Append(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Unknown reference %q", root),
				Detail:   "An expression can refer only to var.<name> and local.<name>." + didYouMean(root, []string{"var", "local"}),
				Subject:  t.SourceRange().Ptr(),
			})
		}
	}
	return ok, diags
}

// value evaluates expr. ok is false when it failed; diags says why unless
// the cause was reported already.
func (e *evaluator) value(expr hcl.Expression) (cty.Value, bool, hcl.Diagnostics) {
	ok, diags := e.checkReferences(expr)
	if !ok {
		return cty.NilVal, false, diags
	}
	if e.evaluating != nil {
		rng := expr.Range()
		e.evaluating.Store(&rng)
		defer e.evaluating.Store(nil)
	}
	v, ds, ok := e.evaluate(expr, e.contextFor(expr))
	diags = append(diags, holdDiagnostics(ds)...)
	if !ok || ds.HasErrors() {
		return cty.NilVal, false, diags
	}
	return v, true, diags
}

// typed evaluates expr and converts it to ty, which "what" names for the
// user, for example "a list of strings".
func (e *evaluator) typed(expr hcl.Expression, ty cty.Type, what string) (cty.Value, bool, hcl.Diagnostics) {
	v, ok, diags := e.value(expr)
	if !ok {
		return v, false, diags
	}
	if v.IsNull() {
		return v, false, diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing value",
			Detail:   fmt.Sprintf("The value is null; %s is required.", what),
			Subject:  expr.Range().Ptr(),
		})
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		return v, false, diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Wrong value type",
			Detail:   fmt.Sprintf("This must be %s, but it is %s.", what, typeName(v.Type())),
			Subject:  expr.Range().Ptr(),
		})
	}
	return cv, true, diags
}

// item is one element of a list attribute with the range that produced it,
// so that an error can point at the element rather than the whole list.
type item struct {
	value cty.Value
	rng   hcl.Range
}

// items evaluates a list-valued expression into its elements. A literal list
// is evaluated element by element for precise ranges, and nested lists
// (such as [local.smtp, 443]) are flattened. A scalar becomes one item when
// scalarOK.
func (e *evaluator) items(expr hcl.Expression, scalarOK bool) ([]item, bool, hcl.Diagnostics) {
	if tuple, isTuple := expr.(*hclsyntax.TupleConsExpr); isTuple {
		var out []item
		var diags hcl.Diagnostics
		allOK := true
		for _, el := range tuple.Exprs {
			v, ok, ds := e.value(el)
			diags = append(diags, ds...)
			if !ok {
				allOK = false
				continue
			}
			out = appendFlattened(out, v, el.Range())
		}
		return out, allOK, diags
	}
	v, ok, diags := e.value(expr)
	if !ok {
		return nil, false, diags
	}
	if !scalarOK && !isCollection(v) && !v.IsNull() {
		return nil, false, diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Wrong value type",
			Detail:   fmt.Sprintf("This must be a list, but it is %s.", typeName(v.Type())),
			Subject:  expr.Range().Ptr(),
		})
	}
	return appendFlattened(nil, v, expr.Range()), true, diags
}

func isCollection(v cty.Value) bool {
	t := v.Type()
	return t.IsListType() || t.IsTupleType() || t.IsSetType()
}

func appendFlattened(out []item, v cty.Value, rng hcl.Range) []item {
	if v.IsNull() || !isCollection(v) {
		return append(out, item{v, rng})
	}
	for it := v.ElementIterator(); it.Next(); {
		_, el := it.Element()
		out = appendFlattened(out, el, rng)
	}
	return out
}

// typeName says what a value's type is in the words of the language.
func typeName(t cty.Type) string {
	switch {
	case t == cty.String:
		return "a string"
	case t == cty.Number:
		return "a number"
	case t == cty.Bool:
		return "a bool"
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		return "a list"
	case t.IsMapType() || t.IsObjectType():
		return "an object"
	case t == cty.DynamicPseudoType:
		return "null"
	}
	return t.FriendlyName()
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
