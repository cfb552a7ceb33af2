package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/escape"
	"github.com/portspec/portspec/internal/spool"
	"github.com/portspec/portspec/internal/sticky"
	"github.com/portspec/portspec/verdict"
)

// SourcePlace splits a record's Source, "mail.hcl:22:3", into the file,
// line and column; ok is false for a block with no place in a file of
// the user's: none, or a built-in profile's.
func SourcePlace(r Record) (file string, line, col int, ok bool) {
	rest, colText, ok1 := cutLast(r.Source)
	file, lineText, ok2 := cutLast(rest)
	line, err1 := strconv.Atoi(lineText)
	col, err2 := strconv.Atoi(colText)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || file == "" || strings.HasPrefix(file, "builtin/") {
		return "", 0, 0, false
	}
	return file, line, col, true
}

func cutLast(s string) (string, string, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// GitHub writes a GitHub Actions workflow command for every failed or
// errored check, pointing at its block in the spec, so that the failure
// shows on the pull request's diff of the policy; and, when StepSummary
// names a file, appends a Markdown summary to it. The commands are
// written at the end, after the text report they would otherwise cut.
type GitHub struct {
	ignoreEvents
	// Workspace is the repository's checkout ($GITHUB_WORKSPACE): a spec
	// file inside it is named relative to it, as GitHub needs to show
	// the annotation on the file.
	Workspace   string
	w           io.Writer
	stepSummary string
	commands    *spool.Spool
	failures    *spool.Spool
	// spooled write to the spools and keep their first errors.
	spooledCommands, spooledFailures *sticky.Writer
	failed                           int
	meta                             Meta
}

// NewGitHub returns a GitHub reporter writing commands to w and, when
// stepSummary is not "", the summary to that file ($GITHUB_STEP_SUMMARY).
func NewGitHub(w io.Writer, stepSummary string) (*GitHub, error) {
	commands, err := spool.New()
	if err != nil {
		return nil, err
	}
	failures, err := spool.New()
	if err != nil {
		commands.Close()
		return nil, err
	}
	return &GitHub{w: w, stepSummary: stepSummary, commands: commands, failures: failures,
		spooledCommands: sticky.New(commands), spooledFailures: sticky.New(failures)}, nil
}

func (g *GitHub) Begin(m Meta) error {
	g.meta = m
	return nil
}

func (g *GitHub) Result(r Record) error {
	if !r.Verdict.Failing() || g.spoolErr() != nil {
		return g.spoolErr()
	}
	g.failed++
	var at Place
	if file, line, col, ok := SourcePlace(r); ok {
		at = Place{File: InWorkspace(file, g.Workspace), Line: line, Col: col}
	}
	message := r.Message
	if message == "" {
		message = "no verdict: the result was never judged"
	}
	io.WriteString(g.spooledCommands, WorkflowCommand("error", at, GroupName(r)+" "+CheckName(r), message))
	g.spooledFailures.Printf("| %s | %s | %s | %s |\n", escape.Markdown(GroupName(r)), escape.Markdown(ControlledName(r)), escape.Markdown(r.Message), escape.Markdown(r.Source))
	return g.spoolErr()
}

// spoolErr is the first error of writing the spools.
func (g *GitHub) spoolErr() error { return cmp.Or(g.spooledCommands.Err(), g.spooledFailures.Err()) }

func (g *GitHub) End(s Summary) error {
	defer g.commands.Close()
	defer g.failures.Close()
	if err := g.spoolErr(); err != nil {
		return err
	}
	if err := g.commands.CopyTo(g.w); err != nil {
		return err
	}
	if g.stepSummary == "" {
		return nil
	}
	// The runner gives each step its own file to append to.
	f, err := atomicfile.Open(g.stepSummary, os.O_APPEND)
	if err != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %v", err)
	}
	vantage := ""
	if g.meta.Vantage != "" {
		vantage = " from " + escape.Markdown(g.meta.Vantage)
	}
	mark := "✅"
	if s.Failed+s.Errors > 0 || s.Interrupted {
		mark = "❌"
	}
	// A write that fails is the step summary's error, not lost.
	sw := sticky.New(f)
	sw.Printf("### %s portspec%s: %s\n\ntook %s\n", mark, vantage, s.Line(), s.Took())
	if g.failed > 0 {
		sw.Printf("\n| host | check | what happened | block |\n|---|---|---|---|\n")
		if sw.Err() == nil {
			sw.Keep(g.failures.CopyTo(sw))
		}
	}
	sw.Keep(f.Close())
	return sw.Err()
}

// Place is where in a file an annotation points: File "" is nowhere, an
// End of 0 the start alone.
type Place struct {
	File               string
	Line, Col          int
	EndLine, EndColumn int
}

// WorkflowCommand is a GitHub Actions workflow command of kind (error,
// warning, notice) for message at place, with a title, escaped as the
// actions toolkit escapes them, and ending in a newline.
func WorkflowCommand(kind string, at Place, title, message string) string {
	props := "title=" + escapeProperty(title)
	if at.File != "" {
		place := fmt.Sprintf("file=%s,line=%d,col=%d", escapeProperty(at.File), at.Line, at.Col)
		if at.EndLine > 0 {
			place += fmt.Sprintf(",endLine=%d,endColumn=%d", at.EndLine, at.EndColumn)
		}
		props = place + "," + props
	}
	return fmt.Sprintf("::%s %s::%s\n", kind, props, escapeData(message))
}

// InWorkspace names file relative to workspace when it lies inside it,
// as GitHub's annotations and GitLab's Code Quality need a path in the
// repository; otherwise, or with no workspace, as it is.
func InWorkspace(file, workspace string) string {
	if workspace == "" {
		return file
	}
	// Through links on either side, to the files they are: a working
	// directory reached through a link into the checkout is inside it.
	abs, err := resolved(file)
	if err != nil {
		return file
	}
	root, err := resolved(workspace)
	if err != nil {
		return file
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return file
	}
	return filepath.ToSlash(rel)
}

// resolved is path absolute, its links followed where it exists.
func resolved(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	}
	return abs, nil
}

// escapeData escapes a workflow command's message, as the actions
// toolkit does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// CodeQuality writes GitLab's Code Quality report: a JSON array with an
// issue for every failed or errored check, at its block in the spec, so
// that merge requests show it on the changed policy lines.
type CodeQuality struct {
	ignoreEvents
	// Workspace is the repository's checkout ($CI_PROJECT_DIR): a spec
	// file inside it is named relative to it.
	Workspace string
	w         *sticky.Writer
	n         int
}

// NewCodeQuality returns a Code Quality reporter writing to w.
func NewCodeQuality(w io.Writer) *CodeQuality { return &CodeQuality{w: sticky.New(w)} }

func (c *CodeQuality) write(s string) { io.WriteString(c.w, s) }

func (c *CodeQuality) Begin(Meta) error {
	c.write("[")
	return c.w.Err()
}

// CodeQualityIssue is one entry of GitLab's Code Quality report.
type CodeQualityIssue struct {
	Description string `json:"description"`
	CheckName   string `json:"check_name"`
	Fingerprint string `json:"fingerprint"`
	Severity    string `json:"severity"`
	Location    struct {
		Path  string `json:"path"`
		Lines struct {
			Begin int `json:"begin"`
		} `json:"lines"`
	} `json:"location"`
}

func (c *CodeQuality) Result(r Record) error {
	if !r.Verdict.Failing() {
		return c.w.Err()
	}
	issue := CodeQualityIssue{
		Description: GroupName(r) + " " + ControlledName(r) + ": " + r.Message,
		CheckName:   "portspec/" + r.Expected,
		// Stable across runs of one policy, so GitLab tells new issues
		// from old: the check's identity, not its evidence.
		Fingerprint: Fingerprint(r.Vantage, r.Host, r.Address, r.Protocol, strconv.Itoa(int(r.Port)), r.Expected),
		Severity:    "major",
	}
	if r.Verdict == verdict.Errored {
		issue.Severity = "critical"
	}
	issue.Location.Path, issue.Location.Lines.Begin = "portspec", 1
	if file, line, _, ok := SourcePlace(r); ok {
		issue.Location.Path, issue.Location.Lines.Begin = InWorkspace(file, c.Workspace), line
	}
	b, err := json.Marshal(issue)
	if err != nil {
		return err
	}
	if c.n > 0 {
		c.write(",")
	}
	c.write("\n  " + string(b))
	c.n++
	return c.w.Err()
}

func (c *CodeQuality) End(Summary) error {
	if c.n > 0 {
		c.write("\n")
	}
	c.write("]\n")
	return c.w.Err()
}

var (
	_ Reporter = (*GitHub)(nil)
	_ Reporter = (*CodeQuality)(nil)
)

// Fingerprint is a Code Quality issue's identity across runs, made of
// what names it: a check's vantage, host, address, protocol, port and
// expectation; a spec diagnostic's place and summary.
func Fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}
