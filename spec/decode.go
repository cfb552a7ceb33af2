package spec

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
)

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "settings"},
		{Type: "profile", LabelNames: []string{"name"}},
		{Type: "host", LabelNames: []string{"name"}},
	},
}

// decoder turns parsed files into a Spec. It keeps going after an error so
// that one run reports as many problems as it can, and it records which
// names failed so that their users do not report the same cause again.
type decoder struct {
	loader *Loader
	opts   Options
	diags  hcl.Diagnostics
	eval   *evaluator

	profiles map[string]*Profile
	// conflicts are the conflicts reported, by summary and place, so a
	// profile shared by several hosts reports its own once.
	conflicts map[string]bool
	// addresses counts the addresses of every host so far, for the cap
	// over the whole spec.
	addresses *big.Int
	// builtins are the built-in profiles' files the spec uses: part of
	// what it means, so part of its digest.
	builtins []parsedFile
}

func newDecoder(l *Loader, opts Options) *decoder {
	if opts.MaxAddresses <= 0 {
		opts.MaxAddresses = DefaultMaxAddresses
	}
	if opts.MaxTotalAddresses <= 0 {
		opts.MaxTotalAddresses = DefaultMaxTotalAddresses
	}
	eval := newEvaluator(opts, l.guardedFors())
	eval.evaluating = &l.evaluating
	return &decoder{loader: l, opts: opts, eval: eval, profiles: map[string]*Profile{}, conflicts: map[string]bool{}, addresses: new(big.Int)}
}

func (d *decoder) add(ds hcl.Diagnostics) { d.diags = append(d.diags, holdDiagnostics(ds)...) }

func (d *decoder) errorf(subject hcl.Range, summary, detailFormat string, args ...any) {
	d.add(hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detailFormat, args...),
		Subject:  subject.Ptr(),
	}})
}

func (d *decoder) warnf(subject hcl.Range, summary, detailFormat string, args ...any) {
	d.add(hcl.Diagnostics{{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   fmt.Sprintf(detailFormat, args...),
		Subject:  subject.Ptr(),
	}})
}

// duplicate reports a second definition of something that must be unique.
func (d *decoder) duplicate(kind, name string, previous, current hcl.Range) {
	d.errorf(current, fmt.Sprintf("Duplicate %s %q", kind, name),
		"A %s named %q is already defined; previous definition was at %s.", kind, name, posString(previous))
}

// posString formats where a range starts as file:line:col.
func posString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func (d *decoder) decode(files []parsedFile) *Spec {
	s := &Spec{maxTotal: d.opts.MaxTotalAddresses}
	defer func() { s.addresses = int(d.addresses.Int64()) }()
	var blocks hcl.Blocks
	for _, f := range files {
		s.Files = append(s.Files, f.name)
		content, ds := f.file.Body.Content(rootSchema)
		d.add(ds)
		blocks = append(blocks, content.Blocks...)
	}
	byType := func(t string) hcl.Blocks {
		var out hcl.Blocks
		for _, b := range blocks {
			if b.Type == t {
				out = append(out, b)
			}
		}
		return out
	}

	d.decodeVariables(byType("variable"))
	d.decodeLocals(byType("locals"))
	d.decodeSettings(byType("settings"), &s.Settings)
	for _, b := range byType("profile") {
		if p := d.decodeProfile(b); p != nil {
			s.Profiles = append(s.Profiles, p)
		}
	}
	hostsByName := map[string]*Host{}
	for _, b := range byType("host") {
		h := d.decodeHost(b)
		if prev, ok := hostsByName[h.Name]; ok {
			d.duplicate("host", h.Name, prev.DeclRange, h.DeclRange)
			continue
		}
		hostsByName[h.Name] = h
		s.Hosts = append(s.Hosts, h)
	}
	if !d.diags.HasErrors() {
		for _, h := range s.Hosts {
			d.checkConflicts(h)
		}
	}
	return s
}
