package spec

import (
	"fmt"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// DefaultMaxLoadSteps is how many steps evaluating a spec may take unless
// Options.MaxLoadSteps says otherwise: a step is an expression, or one
// turn of a for expression. A real policy takes thousands; nested for
// expressions over range() can ask for billions.
const DefaultMaxLoadSteps = 100_000_000

// stepLimit bounds evaluation from inside it: every for expression of the
// spec is rewritten to count its turns here (guardFors), and once the
// steps, the memory in use or the time run out, each for expression still
// going yields an unknown value at its next turn, which ends it at once,
// and the expression being evaluated becomes an error at its place. Only
// the loader's own goroutine touches it.
type stepLimit struct {
	steps, maxSteps int64
	maxMemory       uint64        // 0: no bound
	maxTime         time.Duration // 0: no bound
	deadline        time.Time
	// over says why evaluation stopped, once it has.
	over string
	// guarded are the for expressions already counting: the loader's,
	// since its parser keeps a file's syntax for the next load.
	guarded map[*hclsyntax.ForExpr]bool
	sample  []metrics.Sample
}

func newStepLimit(opts Options, guarded map[*hclsyntax.ForExpr]bool) *stepLimit {
	l := &stepLimit{maxSteps: opts.MaxLoadSteps, maxMemory: opts.MaxLoadMemory, guarded: guarded,
		sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}}
	if l.maxSteps <= 0 {
		l.maxSteps = DefaultMaxLoadSteps
	}
	if opts.MaxLoadTime > 0 {
		l.maxTime, l.deadline = opts.MaxLoadTime, time.Now().Add(opts.MaxLoadTime)
	}
	return l
}

// step counts one step and reports whether evaluation must stop. Time is
// looked at every 1,024 steps and memory every 16,384: a look costs about
// a microsecond.
func (l *stepLimit) step() bool {
	if l.over != "" {
		return true
	}
	l.steps++
	switch {
	case l.steps > l.maxSteps:
		l.over = fmt.Sprintf("took more than %d steps", l.maxSteps)
	case l.steps%1024 == 0 && !l.deadline.IsZero() && time.Now().After(l.deadline):
		l.over = fmt.Sprintf("took longer than its limit of %s (--max-load-time)", l.maxTime)
	case l.steps%16384 == 0 && l.maxMemory > 0:
		l.lookAtMemory()
	}
	return l.over != ""
}

func (l *stepLimit) lookAtMemory() {
	metrics.Read(l.sample)
	var used uint64
	for _, s := range l.sample {
		used += s.Value.Uint64()
	}
	if used > l.maxMemory {
		l.over = fmt.Sprintf("used %d MiB of memory, more than its limit of %d MiB (--max-load-memory)", used>>20, l.maxMemory>>20)
	}
}

// before is the step of evaluating a whole expression, which also looks
// at the memory: an expression without a for expression, such as a
// template that doubles a string, is counted only here.
func (l *stepLimit) before() bool {
	if l.step() {
		return true
	}
	if l.maxMemory > 0 {
		l.lookAtMemory()
	}
	return l.over != ""
}

// diagnostic is the error that stopped evaluation, at expr.
func (l *stepLimit) diagnostic(expr hcl.Expression) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Expression too large",
		Detail:   fmt.Sprintf("Evaluating the spec %s: an expression here builds or iterates too much (nested for expressions multiply). Build less, or split the spec.", l.over),
		Subject:  expr.Range().Ptr(),
	}
}

// stepFunction is the function the rewritten for expressions call. Its
// name holds a character no spec can write in a call, so only the rewrite
// calls it, and no diagnostic offers it (withoutStepName).
const stepFunction = "portspec step"

// withoutStepName drops the step function from the names HCL suggests
// for a misspelt function: a spec cannot call it.
func withoutStepName(diags hcl.Diagnostics) hcl.Diagnostics {
	for _, d := range diags {
		d.Detail = strings.ReplaceAll(d.Detail, ` Did you mean "`+stepFunction+`"?`, "")
	}
	return diags
}

// functions returns the evaluation's functions: the spec's, each of which
// yields an unknown value at once after the limit (range(1000) costs
// milliseconds, and a for expression winding down would call it for each
// turn left), and the step.
func (l *stepLimit) functions() map[string]function.Function {
	fns := make(map[string]function.Function, len(functions)+1)
	for n, f := range functions {
		fns[n] = l.stoppable(f)
	}
	fns[stepFunction] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType,
			AllowNull: true, AllowUnknown: true, AllowDynamicType: true, AllowMarked: true}},
		Type: func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
		Impl: func(args []cty.Value, ty cty.Type) (cty.Value, error) {
			if l.step() {
				return cty.UnknownVal(ty), nil
			}
			return args[0], nil
		},
	})
	return fns
}

// stoppable is f, but for an unknown result once evaluation has stopped.
func (l *stepLimit) stoppable(f function.Function) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        func(args []cty.Value) (cty.Type, error) { return f.ReturnTypeForValues(args) },
		Impl: func(args []cty.Value, ty cty.Type) (cty.Value, error) {
			if l.over != "" {
				return cty.UnknownVal(ty), nil
			}
			return f.Call(args)
		},
	})
}

// guardFors rewrites every for expression in expr, once, to pass its
// collection and each turn through the step function: the collection, so
// that a for expression that starts after the limit ends at once; the
// first of a turn's condition, key and value, so that every turn counts.
func (l *stepLimit) guardFors(expr hcl.Expression) {
	node, ok := expr.(hclsyntax.Node)
	if !ok {
		return
	}
	hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
		f, ok := n.(*hclsyntax.ForExpr)
		if !ok || l.guarded[f] {
			return nil
		}
		l.guarded[f] = true
		f.CollExpr = stepCall(f.CollExpr)
		switch {
		case f.CondExpr != nil:
			f.CondExpr = stepCall(f.CondExpr)
		case f.KeyExpr != nil:
			f.KeyExpr = stepCall(f.KeyExpr)
		default:
			f.ValExpr = stepCall(f.ValExpr)
		}
		return nil
	})
}

// stepCall is a call of the step function on expr, placed where expr is,
// so that anything said of it points there.
func stepCall(expr hclsyntax.Expression) hclsyntax.Expression {
	r := expr.Range()
	return &hclsyntax.FunctionCallExpr{Name: stepFunction, Args: []hclsyntax.Expression{expr},
		NameRange: r, OpenParenRange: r, CloseParenRange: r}
}
