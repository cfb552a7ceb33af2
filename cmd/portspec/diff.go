package main

import (
	"bufio"

	"github.com/portspec/portspec/internal/arguments"
	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/rundiff"
)

// runDiff says what changed between two runs' JSON reports. Its exit codes
// are ndiff's: 0 when no check newly fails, 1 when one does, 2 on bad
// input.
func runDiff(std streams, args []string) error {
	f, err := arguments.ParseDiff(args)
	if err != nil {
		return err
	}
	var inputs [2]rundiff.Input
	for i, p := range []string{f.Old, f.New} {
		in, err := openResults("diff", p, f.ReadOptions())
		if err != nil {
			return err
		}
		defer in.Close()
		inputs[i] = rundiff.Input{Name: p, Reader: in.Reader}
	}
	out := bufio.NewWriterSize(std.stdout, 64<<10)
	sum, err := rundiff.Run(inputs[0], inputs[1], out, f.Format)
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return exit.Errorf(exit.Usage, "portspec diff: %v", err)
	}
	if sum[rundiff.NewlyFailing] > 0 {
		return exit.Status(exit.Failed)
	}
	return nil
}
