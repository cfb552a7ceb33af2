package spec

import (
	"embed"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// builtinPrefix starts the name of a profile that ships with portspec; a
// spec's own profiles may not have a slash in their names, so the two
// never clash.
const builtinPrefix = "builtin/"

//go:embed builtin/*.hcl
var builtinFiles embed.FS

// BuiltinProfile is a profile that ships with portspec.
type BuiltinProfile struct {
	// Name is what a host's profiles list names it by: "builtin/web_server".
	Name        string
	Description string
	// Source is its HCL, canonically formatted, with the sources of its
	// ports cited in its comments.
	Source []byte
}

// BuiltinProfiles lists the profiles that ship with portspec, by name.
func BuiltinProfiles() []BuiltinProfile {
	entries, _ := builtinFiles.ReadDir("builtin")
	var out []BuiltinProfile
	for _, e := range entries {
		name := builtinPrefix + strings.TrimSuffix(e.Name(), ".hcl")
		p, _ := LookupBuiltin(name)
		out = append(out, p)
	}
	return out
}

// LookupBuiltin returns the built-in profile called name, with or without
// "builtin/" before it.
func LookupBuiltin(name string) (BuiltinProfile, bool) {
	full, src, ok := builtinSource(name)
	if !ok {
		return BuiltinProfile{}, false
	}
	d := newDecoder(NewLoader(), Options{})
	p := d.builtinProfile(full, src)
	if p == nil {
		return BuiltinProfile{}, false
	}
	return BuiltinProfile{Name: p.Name, Description: p.Description, Source: src}, true
}

// builtinSource reads the built-in profile called name, with or without
// "builtin/" before it, and returns its full name.
func builtinSource(name string) (full string, src []byte, ok bool) {
	bare := strings.TrimPrefix(name, builtinPrefix)
	if bare == "" || strings.Contains(bare, "/") {
		return "", nil, false
	}
	src, err := builtinFiles.ReadFile(path.Join("builtin", bare+".hcl"))
	return builtinPrefix + bare, src, err == nil
}

// builtinNames are the built-in profiles' names, for suggestions.
func builtinNames() []string {
	var names []string
	for _, p := range BuiltinProfiles() {
		names = append(names, p.Name)
	}
	return names
}

// builtin returns the built-in profile name ("builtin/web_server"), read
// from the binary the first time a host names it, or reports that there
// is none at rng.
func (d *decoder) builtin(name string, rng hcl.Range) *Profile {
	if p, ok := d.profiles[name]; ok {
		return p
	}
	_, src, ok := builtinSource(name)
	if !ok {
		d.errorf(rng, fmt.Sprintf("Unknown built-in profile %q", name),
			"portspec has no built-in profile %q; `portspec profiles` lists them.%s", name, didYouMean(name, builtinNames()))
		return nil
	}
	p := d.builtinProfile(name, src)
	if p != nil {
		d.builtins = append(d.builtins, parsedFile{name: name + ".hcl", file: &hcl.File{Bytes: src}})
	}
	return p
}

// builtinProfile decodes the one profile of a built-in file, under its
// built-in name. The file is parsed by the loader's parser, so that a
// diagnostic can quote it.
func (d *decoder) builtinProfile(name string, src []byte) *Profile {
	file, ds := d.loader.parseSource(src, name+".hcl", "built-in profile")
	d.add(ds)
	if file == nil {
		return nil
	}
	content, ds := file.Body.Content(rootSchema)
	d.add(ds)
	i := slices.IndexFunc(content.Blocks, func(b *hcl.Block) bool { return b.Type == "profile" })
	if i < 0 {
		return nil
	}
	b := *content.Blocks[i]
	b.Labels = []string{name}
	return d.decodeProfileAs(&b, true)
}
