package manpage

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/portspec/portspec/internal/arguments"
)

// Page is one manual page.
type Page struct {
	// Name is the page's name, "portspec" or "portspec-check", and
	// Command the command it documents, "" for portspec(1).
	Name, Command string
	// Roff is the page's source.
	Roff string
}

// File is the page's file name, in section 1.
func (p Page) File() string { return p.Name + ".1" }

// Stamp is what every page's header says of the release it documents:
// its version, such as v0.4.0, and its date, YYYY-MM-DD; either may be
// empty.
type Stamp struct {
	Version, Date string
}

// Pages are portspec(1), then a page for each command.
func Pages(stamp Stamp) []Page {
	pages := []Page{{Name: "portspec", Roff: overview(stamp)}}
	for _, command := range arguments.Commands() {
		pages = append(pages, Page{Name: pageName(command), Command: command, Roff: commandPage(stamp, command)})
	}
	return pages
}

// Write writes every page into dir, made if missing, and returns their
// paths.
func Write(dir string, stamp Stamp) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range Pages(stamp) {
		path := filepath.Join(dir, p.File())
		if err := os.WriteFile(path, []byte(p.Roff), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func pageName(command string) string { return "portspec-" + command }

// header is a page's .TH, and the requests every page starts with: no
// hyphenation and a ragged right margin, so that no flag is split at a
// line's end.
func header(stamp Stamp, name string) string {
	return fmt.Sprintf(".TH \"%s\" 1 \"%s\" \"%s\" \"portspec manual\"\n.nh\n.ad l\n",
		escape(strings.ToUpper(name)), escape(stamp.Date), escape(strings.TrimSpace("portspec "+stamp.Version)))
}

// overview is portspec(1): the commands, each with its synopsis and what
// it does, and where to read more.
func overview(stamp Stamp) string {
	var b strings.Builder
	b.WriteString(header(stamp, "portspec"))
	b.WriteString(".SH NAME\nportspec \\- check that the network does what a connectivity policy says\n")
	b.WriteString(".SH SYNOPSIS\n.B portspec\n\\fICOMMAND\\fR [\\fIflags\\fR] [\\fIargument\\fR...]\n.br\n.B portspec help\n[\\fICOMMAND\\fR]\n")
	b.WriteString(".SH DESCRIPTION\n")
	b.WriteString(lines(`portspec reads specs, HCL files that say which ports of which hosts are
listening, not listening, filtered or blocked, probes the ports without
privileges, and reports where the network differs. Each command has a page
of its own, which says what its --help says.`))
	b.WriteString(".SH COMMANDS\n")
	for _, command := range arguments.Commands() {
		h := arguments.HelpOf(command)
		fmt.Fprintf(&b, ".TP\n\\fBportspec %s\\fR %s\n", escape(command), escape(h.Synopsis))
		fmt.Fprintf(&b, "%s.\nSee\n.BR %s (1).\n", escape(sentence(h.Summary())), escape(pageName(command)))
	}
	b.WriteString(".TP\n\\fBportspec help\\fR [\\fICOMMAND\\fR]\n")
	b.WriteString(lines("A command's help, as COMMAND --help prints it; without a COMMAND, the list of commands."))
	b.WriteString(".SH EXIT STATUS\n")
	b.WriteString(lines("Each command's page says what its exit status means. 2 is a usage error: bad flags, or a spec that does not load."))
	b.WriteString(".SH SEE ALSO\n")
	b.WriteString(seeAlso(arguments.Commands()))
	return b.String()
}

// commandPage is command's page, as its --help has it.
func commandPage(stamp Stamp, command string) string {
	h := arguments.HelpOf(command)
	name := pageName(command)
	var b strings.Builder
	b.WriteString(header(stamp, name))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", escape(name), escape(h.Summary()))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B portspec %s\n", escape(command))
	if h.Synopsis != "" {
		b.WriteString(lines(h.Synopsis))
	}
	b.WriteString(".SH DESCRIPTION\n" + lines(h.Description))
	if fs := arguments.FlagSet(command); fs != nil {
		var options strings.Builder
		fs.VisitAll(func(f *flag.Flag) { options.WriteString(option(command, f)) })
		if options.Len() > 0 {
			b.WriteString(".SH OPTIONS\n" + options.String())
		}
	}
	b.WriteString(".SH EXAMPLES\n.PP\n.RS 4\n.nf\n" + lines(h.Examples) + ".fi\n.RE\n")
	b.WriteString(".SH EXIT STATUS\n" + exitStatus(h.ExitCodes))
	b.WriteString(".SH SEE ALSO\n" + seeAlso([]string{""}))
	return b.String()
}

// option is one flag, as the help prints it: its name spelt as the help
// spells it, the kind of its value, its usage and its default.
func option(command string, f *flag.Flag) string {
	kind, usage := flag.UnquoteUsage(f)
	tag := `\fB` + escape(arguments.Spelling(command, f.Name)) + `\fR`
	if kind != "" {
		tag += ` \fI` + escape(kind) + `\fR`
	}
	return ".TP\n" + tag + "\n" + lines(usage+defaultOf(f))
}

// defaultOf is what the flag package's help says of f's default, such as
// ` (default "auto")`, or "" when it says none: its rule, which knows
// a zero value when it sees one, by asking it to print itself.
func defaultOf(f *flag.Flag) string {
	one := flag.NewFlagSet("", flag.ContinueOnError)
	one.Var(f.Value, f.Name, "")
	var b strings.Builder
	one.SetOutput(&b)
	one.PrintDefaults()
	if i := strings.Index(b.String(), " (default "); i >= 0 {
		return strings.TrimRight(b.String()[i:], "\n")
	}
	return ""
}

// exitStatus are the help's exit codes, "0    every check passed" a
// line, a line that begins with spaces going on with the one before.
func exitStatus(codes string) string {
	var b strings.Builder
	for _, line := range strings.Split(codes, "\n") {
		code, text, _ := strings.Cut(line, " ")
		if code != "" && unicode.IsDigit(rune(code[0])) {
			fmt.Fprintf(&b, ".TP\n.B %s\n", escape(code))
		} else {
			text = line
		}
		b.WriteString(lines(strings.TrimSpace(text)))
	}
	return b.String()
}

// seeAlso are the pages of commands ("" for portspec(1)), in a list.
func seeAlso(commands []string) string {
	var refs []string
	for _, command := range commands {
		name := "portspec"
		if command != "" {
			name = pageName(command)
		}
		refs = append(refs, ".BR "+escape(name)+" (1)")
	}
	return strings.Join(refs, ",\n") + "\n"
}

// sentence is a summary as a sentence's start: a capital first.
func sentence(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}
