package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/portspec/portspec/internal/atomicfile"
	"github.com/portspec/portspec/junit"
	"github.com/portspec/portspec/report"
)

// reportFormat is a report file that check and merge can write: its flag,
// the help line the flag shows, and its reporter.
type reportFormat struct {
	flag, usage string
	open        func(io.Writer) (report.Reporter, error)
}

// reportFormats are every report file, in the order their reporters hear
// a run, after the text report. The flags and their help come from here.
var reportFormats = []reportFormat{
	{"junit", "write a JUnit XML report to `file`", func(w io.Writer) (report.Reporter, error) { return junit.New(w) }},
	{"log", "write a log of every resolution, try and verdict to `file`", func(w io.Writer) (report.Reporter, error) { return report.NewLog(w) }},
	{"json", "write a JSON report to `file`", func(w io.Writer) (report.Reporter, error) { return report.NewJSON(w), nil }},
	{"html", "write a self-contained HTML report to `file`", func(w io.Writer) (report.Reporter, error) { return report.NewHTML(w) }},
	{"codequality", "write a GitLab Code Quality report of the failures to `file`", func(w io.Writer) (report.Reporter, error) { return report.NewCodeQuality(w), nil }},
}

// output is a report being written: to a file, whole or not at all, or to
// stdout when its path is "-" or /dev/stdout.
type output struct {
	format     reportFormat
	flag, path string
	file       *atomicfile.File // nil on stdout
	buf        *bufio.Writer
}

// reportFlags are the report flags of check and merge.
type reportFlags struct {
	// paths are the report files asked for, by reportFormats' flag.
	paths          map[string]*string
	annotations    string
	quiet, verbose bool
}

func (f *reportFlags) register(fs *flag.FlagSet) {
	f.paths = map[string]*string{}
	for _, rf := range reportFormats {
		f.paths[rf.flag] = fs.String(rf.flag, "", rf.usage)
	}
	fs.StringVar(&f.annotations, "annotations", "auto", "CI annotations of the failures: github, gitlab, none, or auto (github under GITHUB_ACTIONS=true, gitlab under GITLAB_CI=true)")
	fs.BoolVar(&f.quiet, "q", false, "print only failures and the summary")
	fs.BoolVar(&f.verbose, "v", false, "print the evidence for passes too")
}

// check refuses flags that contradict each other.
func (f *reportFlags) check() error {
	if f.quiet && f.verbose {
		return errors.New("-q and -v exclude each other")
	}
	switch f.annotations {
	case "auto", "github", "gitlab", "none":
	default:
		return fmt.Errorf("--annotations is github, gitlab, none or auto; got %q", f.annotations)
	}
	return nil
}

// gitlabCodeQuality is where the Code Quality report goes under GitLab
// annotations when --codequality names no file: the name GitLab's
// documentation gives the artifact.
const gitlabCodeQuality = "gl-code-quality-report.json"

// annotationMode is --annotations, with auto decided by the environment
// the CI system sets.
func (f *reportFlags) annotationMode() string {
	if f.annotations != "auto" {
		return f.annotations
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

// openReports checks the report paths the flags ask for, opens them, and
// makes their reporters, the text report first: on stdout, or on stderr
// when a report takes stdout. protected are the files the command reads
// (check's spec files and --var-files, or merge's inputs), which no
// report may replace. With a progress counter on the terminal, the text
// report clears its line before each write.
func (f *reportFlags) openReports(stdout, stderr io.Writer, color string, protected []string, progress *report.Progress) (*session, int) {
	mode := f.annotationMode()
	var asked []*output
	for _, rf := range reportFormats {
		path := *f.paths[rf.flag]
		if rf.flag == "codequality" && mode == "gitlab" && path == "" {
			path = gitlabCodeQuality
		}
		if path != "" {
			asked = append(asked, &output{format: rf, flag: "--" + rf.flag, path: path})
		}
	}
	if err := checkOutputPaths(asked, protected); err != nil {
		fmt.Fprintf(stderr, "portspec: %v\n", err)
		return nil, exitUsage
	}
	stepSummary := ""
	if mode == "github" {
		// Appended to at the end, but refused, if it is to be, before
		// anything is probed.
		stepSummary = os.Getenv("GITHUB_STEP_SUMMARY")
		if stepSummary != "" {
			if err := atomicfile.Check(stepSummary); err != nil {
				fmt.Fprintf(stderr, "portspec: cannot write GITHUB_STEP_SUMMARY %s: %v\n", stepSummary, err)
				return nil, writeErrorCode(err)
			}
		}
	}
	textOut := stdout
	for _, o := range asked {
		if toStdout(o.path) {
			textOut = stderr
		}
	}
	textColor, _ := useColor(color, textOut)
	if progress != nil {
		textOut = progress.Guard(textOut)
	}
	outputs, code := openOutputs(stderr, stdout, asked)
	if code != exitOK {
		return nil, code
	}
	reporters, code := newReporters(stderr, textOut, report.TextOptions{Color: textColor, Quiet: f.quiet, Verbose: f.verbose}, outputs)
	if code != exitOK {
		abortAll(outputs)
		return nil, code
	}
	if mode == "github" {
		// After the text, on its stream: the commands are read from the
		// job's log.
		gh, err := report.NewGitHub(textOut, stepSummary)
		if err != nil {
			fmt.Fprintf(stderr, "portspec: %v\n", err)
			abortAll(outputs)
			return nil, exitIncomplete
		}
		reporters = append(reporters, gh)
	}
	if progress != nil {
		reporters = append(reporters, progress)
	}
	return &session{stderr: stderr, outputs: outputs, reporters: reporters}, exitOK
}

// checkOutputPaths refuses, before anything is probed or written, report
// paths that would lose data: two reports on one file (or both on
// stdout), a report over a file the command reads, a report on a
// directory.
func checkOutputPaths(outputs []*output, protected []string) error {
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

// openOutputs opens the reports that were asked for, making their
// directories, and returns exit 3 when one cannot be written, or 2 when
// its path is refused (writeErrorCode).
func openOutputs(stderr, stdout io.Writer, asked []*output) ([]*output, int) {
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
			fmt.Fprintf(stderr, "portspec: cannot write %s %s: %v\n", o.flag, o.path, err)
			abortAll(outputs)
			return nil, writeErrorCode(err)
		}
		o.buf = bufio.NewWriterSize(o.file, 256<<10)
		outputs = append(outputs, o)
	}
	return outputs, exitOK
}

// writeErrorCode is the exit code of a file that cannot be written: 2 for
// a path refused under the sticky-directory rule (a link it goes through, another user's file it would write over), which is the command
// line's fault like any other usage error, else 3.
func writeErrorCode(err error) int {
	var refused *atomicfile.StickyError
	if errors.As(err, &refused) {
		return exitUsage
	}
	return exitIncomplete
}

// newReporters is the text report and one reporter an output.
func newReporters(stderr, textOut io.Writer, text report.TextOptions, outputs []*output) (report.Multi, int) {
	reporters := report.Multi{report.NewText(textOut, text)}
	for _, o := range outputs {
		r, err := o.format.open(o.buf)
		if err != nil {
			fmt.Fprintf(stderr, "portspec: %v\n", err)
			return nil, exitIncomplete
		}
		reporters = append(reporters, r)
	}
	return reporters, exitOK
}

// commitAll puts every report in place, unless writing one failed: then
// no file is, and the run exits 3. A report on stdout is only flushed.
func commitAll(stderr io.Writer, outputs []*output, writeErr error) int {
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
		fmt.Fprintf(stderr, "portspec: writing the reports: %v\n", writeErr)
		return exitIncomplete
	}
	return exitOK
}

func abortAll(outputs []*output) {
	for _, o := range outputs {
		if o.file != nil {
			o.file.Abort()
		}
	}
}
