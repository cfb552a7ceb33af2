package outputs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/junit"
	"github.com/portspec/portspec/report"
)

// Format is a report file that check and merge can write: its flag, the
// help line the flag shows, and its reporter.
type Format struct {
	Flag, Usage string
	open        func(io.Writer) (report.Reporter, error)
}

// Formats are every report file, in the order their reporters hear a
// run, after the text report. The flags and their help come from here.
var Formats = []Format{
	{"junit", "write a JUnit XML report to `file`", func(w io.Writer) (report.Reporter, error) { return junit.New(w) }},
	{"log", "write a log of every resolution, try and verdict to `file`", func(w io.Writer) (report.Reporter, error) { return report.NewLog(w) }},
	{"json", "write a JSON report to `file`", func(w io.Writer) (report.Reporter, error) { return report.NewJSON(w), nil }},
	{"html", "write a self-contained HTML report to `file`", func(w io.Writer) (report.Reporter, error) { return report.NewHTML(w) }},
	{"codequality", "write a GitLab Code Quality report of the failures to `file`", func(w io.Writer) (report.Reporter, error) {
		cq := report.NewCodeQuality(w)
		cq.Workspace = os.Getenv("CI_PROJECT_DIR")
		return cq, nil
	}},
}

// Flags are the report flags of check and merge, as parsed.
type Flags struct {
	// Paths are the report files asked for, by Formats' flag.
	Paths          map[string]string
	Annotations    string
	Quiet, Verbose bool
	Color          string
}

// output is a report being written: to a file, whole or not at all, or to
// stdout when its path is "-" or /dev/stdout.
type output struct {
	format     Format
	flag, path string
	file       *atomicfile.File // nil on stdout
	buf        *bufio.Writer
}

// gitlabCodeQuality is where the Code Quality report goes under GitLab
// annotations when --codequality names no file: the name GitLab's
// documentation gives the artifact.
const gitlabCodeQuality = "gl-code-quality-report.json"

// AnnotationMode is --annotations, with auto decided by the environment
// the CI system sets.
func (f Flags) AnnotationMode() string {
	if f.Annotations != "auto" {
		return f.Annotations
	}
	switch {
	case os.Getenv("GITHUB_ACTIONS") == "true":
		return "github"
	case os.Getenv("GITLAB_CI") == "true":
		return "gitlab"
	}
	return "none"
}

// toStdout reports whether a report path means the standard output.
func toStdout(path string) bool { return path == "-" || path == "/dev/stdout" }

// Open checks the report paths the flags ask for, opens them, and makes
// their reporters, the text report first: on stdout, or on stderr when a
// report takes stdout. protected are the files the command reads (check's
// spec files and --var-files, or merge's inputs), which no report may
// replace. With a progress counter on the terminal, the text report
// clears its line before each write.
func Open(f Flags, stdout, stderr io.Writer, protected []string, progress *report.Progress) (*Session, error) {
	mode := f.AnnotationMode()
	var asked []*output
	for _, rf := range Formats {
		path := f.Paths[rf.Flag]
		if rf.Flag == "codequality" && mode == "gitlab" && path == "" {
			path = gitlabCodeQuality
		}
		if path != "" {
			asked = append(asked, &output{format: rf, flag: "--" + rf.Flag, path: path})
		}
	}
	if err := checkPaths(asked, protected); err != nil {
		return nil, exit.Errorf(exit.Usage, "portspec: %v", err)
	}
	stepSummary := ""
	if mode == "github" {
		// Appended to at the end, but refused, if it is to be, before
		// anything is probed.
		stepSummary = os.Getenv("GITHUB_STEP_SUMMARY")
		if stepSummary != "" {
			if err := atomicfile.Check(stepSummary); err != nil {
				return nil, WriteError(err, "portspec: cannot write GITHUB_STEP_SUMMARY %s: %v", stepSummary, err)
			}
		}
	}
	textOut := stdout
	for _, o := range asked {
		if toStdout(o.path) {
			textOut = stderr
		}
	}
	textColor := UseColor(f.Color, textOut)
	if progress != nil {
		textOut = progress.Guard(textOut)
	}
	outputs, err := openAll(stdout, asked)
	if err != nil {
		return nil, err
	}
	reporters, err := newReporters(textOut, report.TextOptions{Color: textColor, Quiet: f.Quiet, Verbose: f.Verbose}, outputs, mode, stepSummary)
	if err != nil {
		abortAll(outputs)
		return nil, err
	}
	if progress != nil {
		reporters = append(reporters, progress)
	}
	return &Session{outputs: outputs, Reporters: reporters}, nil
}

// checkPaths refuses, before anything is probed or written, report paths
// that would lose data: two reports on one file (or both on stdout), a
// report over a file the command reads, a report on a directory.
func checkPaths(outputs []*output, protected []string) error {
	read := map[string]string{}
	for _, p := range protected {
		read[pathKey(p)] = p
	}
	seen := map[string]*output{}
	for _, o := range outputs {
		if info, err := os.Stat(o.path); err == nil && info.IsDir() {
			return fmt.Errorf("%s %s is a directory: name a file", o.flag, o.path)
		}
		key := pathKey(o.path)
		if prev, ok := seen[key]; ok {
			where := o.path
			if key == "stdout" {
				where = "to stdout"
			}
			return fmt.Errorf("%s and %s both write %s: give each report a file of its own", prev.flag, o.flag, where)
		}
		seen[key] = o
		if p, ok := read[key]; ok {
			return fmt.Errorf("%s %s would overwrite %s, which this command reads", o.flag, o.path, p)
		}
	}
	return nil
}

// pathKey names the file a path leads to, so that two spellings of one
// file compare equal: stdout's two names, ./x and x, a link and its
// target. A file not there yet is keyed by its resolved directory.
func pathKey(path string) string {
	if toStdout(path) {
		return "stdout"
	}
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	} else if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		path = filepath.Join(dir, filepath.Base(path))
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path
}

// openAll opens the reports that were asked for, making their
// directories: a report that cannot be written ends the command with 3,
// or 2 when its path is refused (WriteError).
func openAll(stdout io.Writer, asked []*output) ([]*output, error) {
	var outputs []*output
	for _, o := range asked {
		if toStdout(o.path) {
			o.buf = bufio.NewWriterSize(stdout, 256<<10)
			outputs = append(outputs, o)
			continue
		}
		// Like pytest's --junitxml, create the directory: CI jobs name
		// out/junit.xml in a fresh checkout.
		err := atomicfile.MkdirAll(filepath.Dir(o.path))
		if err == nil {
			o.file, err = atomicfile.Create(o.path)
		}
		if err != nil {
			abortAll(outputs)
			return nil, WriteError(err, "portspec: cannot write %s %s: %v", o.flag, o.path, err)
		}
		o.buf = bufio.NewWriterSize(o.file, 256<<10)
		outputs = append(outputs, o)
	}
	return outputs, nil
}

// WriteError says, in format, that a file cannot be written: exit 2 for a
// path refused under the sticky-directory rule (a link it goes through,
// another user's file it would write over), which is the command line's
// fault like any other usage error, else 3.
func WriteError(err error, format string, args ...any) error {
	var refused *atomicfile.StickyError
	if errors.As(err, &refused) {
		return exit.Errorf(exit.Usage, format, args...)
	}
	return exit.Errorf(exit.Incomplete, format, args...)
}

// newReporters is the text report, one reporter an output, and the
// GitHub annotations when asked for.
func newReporters(textOut io.Writer, text report.TextOptions, outputs []*output, mode, stepSummary string) (report.Multi, error) {
	reporters := report.Multi{report.NewText(textOut, text)}
	for _, o := range outputs {
		r, err := o.format.open(o.buf)
		if err != nil {
			return nil, exit.Errorf(exit.Incomplete, "portspec: %v", err)
		}
		reporters = append(reporters, r)
	}
	if mode == "github" {
		// After the text, on its stream: the commands are read from the
		// job's log.
		gh, err := report.NewGitHub(textOut, stepSummary)
		if err != nil {
			return nil, exit.Errorf(exit.Incomplete, "portspec: %v", err)
		}
		gh.Workspace = os.Getenv("GITHUB_WORKSPACE")
		reporters = append(reporters, gh)
	}
	return reporters, nil
}

// commitAll puts every report in place, unless writing one failed: then
// no file is, and the run exits 3. A report on stdout is only flushed.
func commitAll(outputs []*output, writeErr error) error {
	for _, o := range outputs {
		if writeErr != nil {
			break
		}
		err := o.buf.Flush()
		if err == nil && o.file != nil {
			err = o.file.Commit()
		}
		if err != nil {
			writeErr = fmt.Errorf("%s %s: %w", o.flag, o.path, err)
		}
	}
	if writeErr != nil {
		return exit.Errorf(exit.Incomplete, "portspec: writing the reports: %v", writeErr)
	}
	return nil
}

func abortAll(outputs []*output) {
	for _, o := range outputs {
		if o.file != nil {
			o.file.Abort()
		}
	}
}

// OpenFile opens one report file at path for flag, making its directory,
// into a session of its own, as query's -l log; w is where the report's
// text goes, buffered.
func OpenFile(stdout io.Writer, flag, path string) (s *Session, w *bufio.Writer, err error) {
	outputs, err := openAll(stdout, []*output{{flag: flag, path: path}})
	if err != nil {
		return nil, nil, err
	}
	return &Session{outputs: outputs}, outputs[0].buf, nil
}
