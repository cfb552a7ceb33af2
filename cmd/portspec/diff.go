package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/portspec/portspec/internal/rundiff"
	"github.com/portspec/portspec/report"
)

type diffFlags struct {
	readFlags
	json, markdown bool
}

func (f *diffFlags) register(fs *flag.FlagSet) {
	f.readFlags.register(fs)
	fs.BoolVar(&f.json, "json", false, "write the changes as JSON")
	fs.BoolVar(&f.markdown, "markdown", false, "write the changes as Markdown, for a pull request comment")
}

// runDiff says what changed between two runs' JSON reports. Its exit codes
// are ndiff's: 0 when no check newly fails, 1 when one does, 2 on bad
// input.
func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", stdout, stderr)
	var f diffFlags
	f.register(fs.FlagSet)
	paths, err := parse(fs, args)
	var opts report.ReadOptions
	switch {
	case err != nil:
	case len(paths) != 2:
		err = errors.New("name two JSON reports: the old run's, then the new run's")
	case f.json && f.markdown:
		err = errors.New("--json and --markdown exclude each other")
	default:
		opts, err = f.readOptions()
	}
	if err != nil {
		return usageError(stderr, fs, err)
	}
	var inputs [2]rundiff.Input
	for i, p := range paths {
		in, ok := openResults(stderr, "diff", p, opts)
		if !ok {
			return exitUsage
		}
		defer in.Close()
		inputs[i] = rundiff.Input{Name: p, Reader: in.Reader}
	}
	format := rundiff.Text
	switch {
	case f.json:
		format = rundiff.JSON
	case f.markdown:
		format = rundiff.Markdown
	}
	out := bufio.NewWriterSize(stdout, 64<<10)
	sum, err := rundiff.Run(inputs[0], inputs[1], out, format)
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "portspec diff: %v\n", err)
		return exitUsage
	}
	if sum[rundiff.NewlyFailing] > 0 {
		return exitFailed
	}
	return exitOK
}
