package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// DefaultMaxAddresses is how many addresses one host block may expand to
// unless Options.MaxAddresses raises it.
const DefaultMaxAddresses = 65536

// DefaultMaxTotalAddresses is how many addresses a whole spec may expand
// to, names once resolved included, unless Options.MaxTotalAddresses
// raises it: sixteen /16s. A hundred host blocks of a /16 each, 6.5
// million addresses, are then an error rather than a run of days.
const DefaultMaxTotalAddresses = 1 << 20

// Options are the inputs to a load that do not come from the spec files.
type Options struct {
	// Vars are --var assignments, "name=value", in command-line order.
	Vars []string
	// VarFiles are --var-file paths, in command-line order.
	VarFiles []string
	// Environ is the environment, as os.Environ returns it; PORTSPEC_VAR_name
	// entries set variables. Nil means no environment.
	Environ []string
	// MaxAddresses caps the addresses of one host block; 0 means
	// DefaultMaxAddresses.
	MaxAddresses int
	// MaxTotalAddresses caps the addresses of the whole spec, those
	// names resolve to included; 0 means DefaultMaxTotalAddresses.
	MaxTotalAddresses int
	// MaxFileSize caps a spec or variable file, and a variable's value,
	// in bytes; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// MaxLoadSteps, MaxLoadMemory and MaxLoadTime bound evaluating the
	// spec: its steps (an expression, a turn of a for expression; 0 means
	// DefaultMaxLoadSteps), the memory in use (heap and stacks, in bytes)
	// and the time from the start of the load (0: no bound). Past any of
	// them the load ends with an "Expression too large" error at the
	// expression it was evaluating.
	MaxLoadSteps  int64
	MaxLoadMemory uint64
	MaxLoadTime   time.Duration
}

// Loader loads spec files. It keeps one parser for all of them, so that
// diagnostics can quote the source of any file it read.
type Loader struct {
	parser *hclparse.Parser
	// FS is where spec and variable files are read from; nil is the
	// operating system's, where a path is any path os.Open takes. Tests
	// give one from memory (testing/fstest).
	FS fs.FS
	// MaxFileSize caps what the loader reads (Load sets it from the
	// options; fmt keeps the default).
	MaxFileSize int64
	// Stdin is what the path "-" (StdinPath) reads, once; nil refuses it.
	Stdin io.Reader
	// evaluating is the expression being evaluated, for a watchdog that
	// stops a load whose expressions build too much (see Evaluating).
	evaluating atomic.Pointer[hcl.Range]
	// guarded are the for expressions of the parsed files that count
	// their turns already (stepLimit.guardFors): each is rewritten once,
	// however many loads evaluate it.
	guarded map[*hclsyntax.ForExpr]bool
}

func (l *Loader) guardedFors() map[*hclsyntax.ForExpr]bool {
	if l.guarded == nil {
		l.guarded = map[*hclsyntax.ForExpr]bool{}
	}
	return l.guarded
}

// Evaluating returns the place of the expression the load is evaluating
// now, if it is evaluating one. It may be called from any goroutine: a
// caller that stops a load for using too much memory says where.
func (l *Loader) Evaluating() (hcl.Range, bool) {
	if r := l.evaluating.Load(); r != nil {
		return *r, true
	}
	return hcl.Range{}, false
}

// NewLoader returns a Loader with an empty parser.
func NewLoader() *Loader {
	return &Loader{parser: hclparse.NewParser(), MaxFileSize: DefaultMaxFileSize}
}

func (l *Loader) fsys() fs.FS {
	if l.FS == nil {
		return osFS{}
	}
	return l.FS
}

// Files returns every file the loader parsed, for printing diagnostics.
func (l *Loader) Files() map[string]*hcl.File {
	return l.parser.Files()
}

// Load reads the spec files at paths and returns the validated model. When
// the diagnostics hold an error the Spec is nil: a spec is used whole or not
// at all.
func (l *Loader) Load(paths []string, opts Options) (*Spec, hcl.Diagnostics) {
	if opts.MaxFileSize > 0 {
		l.MaxFileSize = opts.MaxFileSize
	}
	files, diags := l.parseAll(paths)
	if diags.HasErrors() {
		return nil, diags
	}
	d := newDecoder(l, opts)
	s := d.decode(files)
	diags = append(diags, d.diags...)
	if diags.HasErrors() {
		return nil, diags
	}
	s.Digest = digest(append(files, d.builtins...), d.eval.vars)
	return s, diags
}

// digest hashes the files' contents, without their paths, so shards run
// from different checkouts agree, and the variables' values, which change
// what the files mean.
func digest(files []parsedFile, vars map[string]cty.Value) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "file %d\n", len(f.file.Bytes))
		h.Write(f.file.Bytes)
	}
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := vars[n]
		b, _ := ctyjson.Marshal(v, v.Type())
		fmt.Fprintf(h, "var %s=%s\n", n, b)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

type parsedFile struct {
	name string
	file *hcl.File
}

// parseAll parses every file behind paths, reporting every syntax error of
// every file before giving up.
func (l *Loader) parseAll(paths []string) ([]parsedFile, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	if len(paths) == 0 {
		return nil, diags.Append(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No spec files given",
			Detail:   "Name one or more spec files or directories of *.hcl files.",
			Subject:  &hcl.Range{Filename: "<command line>"},
		})
	}
	var names []string
	seen := map[string]bool{}
	for _, p := range paths {
		if p == StdinPath {
			if !seen[StdinPath] {
				seen[StdinPath] = true
				names = append(names, StdinPath)
			}
			continue
		}
		found, ds := specFiles(l.fsys(), p)
		diags = append(diags, ds...)
		for _, f := range found {
			if !seen[filepath.Clean(f)] {
				seen[filepath.Clean(f)] = true
				names = append(names, f)
			}
		}
	}
	var files []parsedFile
	for _, name := range names {
		var f *hcl.File
		var ds hcl.Diagnostics
		if name == StdinPath {
			// Only a spec path reads stdin: a --var-file - is a file
			// named "-", so that a reload (serve's SIGHUP) never reads
			// an exhausted stdin as an empty one.
			name = StdinName
			src, diag := l.readStdin()
			if diag != nil {
				ds = hcl.Diagnostics{diag}
			} else {
				f, ds = l.parseSource(src, name, "spec file")
			}
		} else {
			f, ds = l.parseFile(name, "spec file")
		}
		diags = append(diags, ds...)
		if f != nil {
			files = append(files, parsedFile{name, f})
		}
	}
	return files, diags
}

// parseFile reads and parses name, a "spec file" or a "variable file" as
// kind says, for the diagnostics.
func (l *Loader) parseFile(name, kind string) (*hcl.File, hcl.Diagnostics) {
	src, diag := readSpecFile(l.fsys(), name, kind, l.MaxFileSize)
	if diag != nil {
		return nil, hcl.Diagnostics{diag}
	}
	return l.parseSource(src, name, kind)
}

// parseSource parses src, read from name, once it is known to be UTF-8 and
// within what the parser can take (checkSource).
func (l *Loader) parseSource(src []byte, name, kind string) (*hcl.File, hcl.Diagnostics) {
	diag := checkUTF8(src, name, kind)
	if diag == nil {
		diag = checkSource(src, name, false)
	}
	if diag != nil {
		// Registered without a body so the diagnostic can quote the line.
		l.parser.AddFile(name, &hcl.File{Bytes: src, Body: hcl.EmptyBody()})
		return nil, hcl.Diagnostics{diag}
	}
	return l.parser.ParseHCL(src, name)
}

// checkUTF8 refuses src, read from name, a "spec file" or a "variable
// value" as kind says, unless it is UTF-8 text, with the place of its
// first byte that is not.
func checkUTF8(src []byte, name, kind string) *hcl.Diagnostic {
	pos := hcl.Pos{Line: 1, Column: 1}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			end := pos
			end.Byte++
			end.Column++
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("%s is not valid UTF-8", capitalize(kind)),
				Detail:   fmt.Sprintf("Byte 0x%02x at offset %d is not valid UTF-8. A %s must be UTF-8 text; convert it, for example with iconv.", src[i], i, kind),
				Subject:  &hcl.Range{Filename: name, Start: pos, End: end},
			}
		}
		i += size
		pos.Byte = i
		if r == '\n' {
			pos.Line++
			pos.Column = 1
		} else {
			pos.Column++
		}
	}
	return nil
}

// Files returns the spec files that path names: the file itself, or a
// directory's *.hcl files in name order, leaving out hidden files and editor
// leftovers. A missing path, a directory without spec files, a path
// through a link that leads out of the working directory (see checkNamed)
// and a link in the directory that leads out of it are errors.
func Files(path string) ([]string, hcl.Diagnostics) { return specFiles(osFS{}, path) }

func specFiles(fsys fs.FS, path string) ([]string, hcl.Diagnostics) {
	subject := &hcl.Range{Filename: path}
	if diag := checkNamed(fsys, path, "spec file or directory"); diag != nil {
		return nil, hcl.Diagnostics{diag}
	}
	info, err := fs.Stat(fsys, path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Spec path not found",
			Detail: fmt.Sprintf("There is no file or directory %q.", path), Subject: subject}}
	case err != nil:
		// Not "not found": a permission error says what to fix.
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read spec path", Detail: err.Error(), Subject: subject}}
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	entries, err := fs.ReadDir(fsys, path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read spec directory", Detail: err.Error(), Subject: subject}}
	}
	var names []string
	var diags hcl.Diagnostics
	for _, e := range entries {
		if e.IsDir() || !isSpecFileName(e.Name()) {
			continue
		}
		name := filepath.Join(path, e.Name())
		if diag := checkInside(fsys, name, path); diag != nil {
			diags = append(diags, diag)
			continue
		}
		// A FIFO or device named *.hcl would hang the load; a link is
		// judged by what it leads to.
		if info, err := fs.Stat(fsys, name); err == nil && !info.Mode().IsRegular() && !info.IsDir() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not a regular file",
				Detail:  fmt.Sprintf("%s is %s in the spec directory: spec files are read only from regular files.", name, describeMode(info.Mode())),
				Subject: &hcl.Range{Filename: name}})
			continue
		}
		names = append(names, name)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No spec files in directory",
			Detail:   fmt.Sprintf("The directory %q has no *.hcl files.", path),
			Subject:  subject,
		}}
	}
	return names, nil
}

// FilesRecursive is Files, with the spec files of every directory
// below a directory too, in name order; hidden directories are left out,
// and a link must not lead out of the directory given.
func FilesRecursive(path string) ([]string, hcl.Diagnostics) {
	fsys := osFS{}
	if diag := checkNamed(fsys, path, "spec file or directory"); diag != nil {
		return nil, hcl.Diagnostics{diag}
	}
	info, err := fsys.Stat(path)
	if err != nil || !info.IsDir() {
		return specFiles(fsys, path)
	}
	var names []string
	var diags hcl.Diagnostics
	walkErr := fs.WalkDir(fsys, path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != path && strings.HasPrefix(d.Name(), "."):
			return fs.SkipDir
		case d.IsDir() || !isSpecFileName(d.Name()):
			return nil
		}
		if diag := checkInside(fsys, p, path); diag != nil {
			diags = append(diags, diag)
			return nil
		}
		// A link is judged by what it leads to.
		if info, err := fsys.Stat(p); err == nil && !info.Mode().IsRegular() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not a regular file",
				Detail:  fmt.Sprintf("%s is %s: spec files are read only from regular files.", p, describeMode(info.Mode())),
				Subject: &hcl.Range{Filename: p}})
			return nil
		}
		names = append(names, p)
		return nil
	})
	if walkErr != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read spec directory", Detail: walkErr.Error(), Subject: &hcl.Range{Filename: path}})
	}
	if len(names) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No spec files in directory",
			Detail: fmt.Sprintf("The directory %q and those below it have no *.hcl files.", path), Subject: &hcl.Range{Filename: path}})
	}
	return names, diags
}

// isSpecFileName keeps *.hcl files and leaves out what editors leave behind
// (.#name.hcl locks, #name.hcl# autosaves, name.hcl~ backups) and hidden
// files, which are never meant to be part of the policy.
func isSpecFileName(name string) bool {
	return strings.HasSuffix(name, ".hcl") &&
		!strings.HasPrefix(name, ".") &&
		!strings.HasPrefix(name, "#")
}
