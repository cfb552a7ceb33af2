package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// EnvPrefix starts the name of an environment variable that sets a spec
// variable: PORTSPEC_VAR_mail_net sets var.mail_net.
const EnvPrefix = "PORTSPEC_VAR_"

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
	},
}

type variable struct {
	name string
	ty   cty.Type
	// given is set once any source gave a value, even one that failed to
	// evaluate: that failure was reported, and "no value" would be noise.
	given     bool
	declRange hcl.Range
}

// decodeVariables declares the variables and gives each its value. Values
// come, lowest precedence first, from the default, PORTSPEC_VAR_name, each
// --var-file in order, and each --var in order: the most explicit source wins,
// so a flag typed on the command line beats an environment set up long ago.
func (d *decoder) decodeVariables(blocks hcl.Blocks) {
	vars := map[string]*variable{}
	var order []*variable
	for _, b := range blocks {
		name := b.Labels[0]
		if !hclsyntax.ValidIdentifier(name) {
			d.errorf(b.LabelRanges[0], "Invalid variable name", "%q is not a valid name: use letters, digits, underscores and dashes, starting with a letter.", name)
			continue
		}
		if prev, ok := vars[name]; ok {
			d.duplicate("variable", name, prev.declRange, b.DefRange)
			continue
		}
		v := &variable{name: name, ty: cty.DynamicPseudoType, declRange: b.DefRange}
		vars[name] = v
		order = append(order, v)
		d.eval.declaredVars[name] = true

		content, ds := b.Body.Content(variableSchema)
		d.add(ds)
		if a, ok := content.Attributes["type"]; ok {
			ty, ds := typeexpr.TypeConstraint(a.Expr)
			d.add(ds)
			if !ds.HasErrors() {
				v.ty = ty
			}
		}
		if a, ok := content.Attributes["description"]; ok {
			d.str(a)
		}
		if a, ok := content.Attributes["default"]; ok {
			d.assign(v, a.Expr)
		}
	}

	// Every value given, lowest precedence first: the environment, each
	// --var-file, each --var. Only the last for a variable is evaluated,
	// so a value that a later one overrides cannot fail the load, and an
	// error quotes the value that counts.
	winner := map[string]func(){}
	for _, kv := range d.opts.Environ {
		name, raw, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		// The environment is shared with everything else, so a variable
		// the spec does not declare is simply not ours.
		if v, declared := vars[strings.TrimPrefix(name, EnvPrefix)]; declared {
			winner[v.name] = func() { d.assignRaw(v, raw, name) }
		}
	}
	for _, path := range d.opts.VarFiles {
		for _, a := range d.loadVarFile(path, vars) {
			v := vars[a.Name]
			winner[v.name] = func() { d.assign(v, a.Expr) }
		}
	}
	for _, assignment := range d.opts.Vars {
		name, raw, ok := strings.Cut(assignment, "=")
		source := "--var " + name
		if !ok || name == "" {
			d.errorf(d.commandLineRange(source, assignment), "Invalid --var", "A --var takes name=value, as in --var mail_net=198.18.1.0/29; got %q.", assignment)
			continue
		}
		v, declared := vars[name]
		if !declared {
			d.errorf(d.commandLineRange(source, assignment), fmt.Sprintf("Undeclared variable %q", name),
				"--var sets a variable that the spec must declare in a variable block.%s", didYouMean(name, varNames(order)))
			continue
		}
		winner[v.name] = func() { d.assignRaw(v, raw, source) }
	}
	for _, v := range order {
		if assign, ok := winner[v.name]; ok {
			assign()
		}
	}

	for _, v := range order {
		if !v.given {
			d.errorf(v.declRange, fmt.Sprintf("No value for variable %q", v.name),
				"The variable has no default, so give it a value with --var %s=..., a --var-file, or %s%s.", v.name, EnvPrefix, v.name)
		}
	}
}

func varNames(vs []*variable) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.name
	}
	return out
}

// commandLineRange registers text from the command line or the environment
// as a pseudo-file, so diagnostics about it can quote it like any source.
func (d *decoder) commandLineRange(source, text string) hcl.Range {
	src := []byte(text)
	d.loader.parser.AddFile(source, &hcl.File{Bytes: src, Body: hcl.EmptyBody()})
	return hcl.Range{
		Filename: source,
		Start:    hcl.InitialPos,
		End:      hcl.Pos{Line: 1, Column: len(text) + 1, Byte: len(text)},
	}
}

// assignRaw sets v from a raw string. A string variable takes it as it is,
// as does one with no type; any other type parses it as an HCL expression,
// so --var ports='[25, 587]' works.
func (d *decoder) assignRaw(v *variable, raw, source string) {
	if v.ty == cty.String || v.ty == cty.DynamicPseudoType {
		d.eval.setVar(v.name, cty.StringVal(raw))
		v.given = true
		return
	}
	rng := d.commandLineRange(source, raw)
	if int64(len(raw)) > d.loader.MaxFileSize {
		d.errorf(rng, "Variable value too large", "%s is %d bytes, more than the %d a spec file may be; --max-file-size raises the limit.", source, len(raw), d.loader.MaxFileSize)
		v.given = true
		return
	}
	diag := checkUTF8([]byte(raw), source, "variable value")
	if diag == nil {
		diag = checkSource([]byte(raw), source, true)
	}
	if diag != nil {
		d.add(hcl.Diagnostics{diag})
		v.given = true
		return
	}
	expr, ds := hclsyntax.ParseExpression([]byte(raw), source, hcl.InitialPos)
	d.add(ds)
	if ds.HasErrors() {
		v.given = true
		return
	}
	d.assign(v, expr)
}

// assign gives v the value of a constant expression.
func (d *decoder) assign(v *variable, expr hcl.Expression) {
	v.given = true
	if val, ok := d.constant(expr, v); ok {
		d.eval.setVar(v.name, val)
	}
}

// constant evaluates an expression that may call functions but refer to no
// variable, and converts it to v's type.
func (d *decoder) constant(expr hcl.Expression, v *variable) (cty.Value, bool) {
	if refs := expr.Variables(); len(refs) > 0 {
		d.errorf(refs[0].SourceRange(), "Reference in a constant",
			"The value of variable %q must be a constant; it cannot refer to other values.", v.name)
		return cty.NilVal, false
	}
	val, ds, ok := d.eval.evaluate(expr, &hcl.EvalContext{Functions: d.eval.fns})
	d.add(ds)
	if !ok || ds.HasErrors() {
		return cty.NilVal, false
	}
	converted, err := convert.Convert(val, v.ty)
	if err != nil {
		d.errorf(expr.Range(), "Wrong value type",
			"Variable %q is of type %s, and this value is %s: %s.", v.name, typeexpr.TypeString(v.ty), typeName(val.Type()), err)
		return cty.NilVal, false
	}
	return converted, true
}

// loadVarFile parses a --var-file and returns its assignments of declared
// variables, reporting the others.
func (d *decoder) loadVarFile(path string, vars map[string]*variable) []*hcl.Attribute {
	if diag := checkNamed(d.loader.fsys(), path, "variable file"); diag != nil {
		d.add(hcl.Diagnostics{diag})
		return nil
	}
	f, ds := d.loader.parseFile(path, "variable file")
	d.add(ds)
	if f == nil || ds.HasErrors() {
		return nil
	}
	attrs, ds := f.Body.JustAttributes()
	d.add(ds)
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	var given []*hcl.Attribute
	for _, a := range sortedAttributes(attrs) {
		if _, declared := vars[a.Name]; !declared {
			d.errorf(a.NameRange, fmt.Sprintf("Undeclared variable %q", a.Name),
				"The variable file sets a variable that the spec does not declare.%s", didYouMean(a.Name, names))
			continue
		}
		given = append(given, a)
	}
	return given
}
