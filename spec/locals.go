package spec

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// decodeLocals evaluates the locals of every locals block in dependency
// order, and reports each cycle once with its whole path.
func (d *decoder) decodeLocals(blocks hcl.Blocks) {
	defs := map[string]*hcl.Attribute{}
	var order []*hcl.Attribute
	for _, b := range blocks {
		attrs, ds := b.Body.JustAttributes()
		d.add(ds)
		for _, a := range sortedAttributes(attrs) {
			if prev, ok := defs[a.Name]; ok {
				d.duplicate("local value", a.Name, prev.NameRange, a.NameRange)
				continue
			}
			defs[a.Name] = a
			order = append(order, a)
			d.eval.declaredLocals[a.Name] = true
		}
	}

	const (
		unvisited = iota
		visiting
		done
	)
	mark := map[string]int{}
	var stack []string
	var visit func(a *hcl.Attribute)
	visit = func(a *hcl.Attribute) {
		mark[a.Name] = visiting
		stack = append(stack, a.Name)
		for _, dep := range localDeps(a.Expr) {
			depAttr, ok := defs[dep]
			if !ok {
				continue // reported as undefined when evaluated
			}
			switch mark[dep] {
			case unvisited:
				visit(depAttr)
			case visiting:
				start := indexOf(stack, dep)
				path := append(append([]string{}, stack[start:]...), dep)
				d.errorf(depAttr.NameRange, "Cycle in local values",
					"The local values refer to each other in a loop: %s.", "local."+strings.Join(path, " → local."))
			}
		}
		stack = stack[:len(stack)-1]
		mark[a.Name] = done
		// A local in a cycle never gets a value; its users then fail
		// quietly, since the cycle was reported.
		v, ok, ds := d.eval.value(a.Expr)
		d.add(ds)
		if ok {
			d.eval.setLocal(a.Name, v)
		}
	}
	for _, a := range order {
		if mark[a.Name] == unvisited {
			visit(a)
		}
	}
}

func localDeps(expr hcl.Expression) []string {
	var deps []string
	for _, t := range expr.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			deps = append(deps, a.Name)
		}
	}
	return deps
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// sortedAttributes returns attributes in source order; hcl gives a map.
func sortedAttributes(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Range, out[j].Range
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return out
}
