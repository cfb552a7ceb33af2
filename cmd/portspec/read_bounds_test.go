package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/reporttest"
)

// TestHugeFieldsStayOnDisk: merge and diff refuse a report with a field
// of 64 MB (a result's message, an unknown top-level key) having held
// about a MiB of it: their peak RSS, read from the kernel, stays far below
// the field's size (issue #19, item 9). Before, a 300 MB field cost
// merge 1.85 to 2.4 GB, and diff 3.08 GB.
func TestHugeFieldsStayOnDisk(t *testing.T) {
	dir := t.TempDir()
	// The documents are written around a mark, a MiB at a time.
	const field = 64 << 20
	records := reporttest.Records()
	records[1].Message = "@FIELD@"
	withMessage := reporttest.JSON(t, records...)
	whole := reporttest.JSON(t, reporttest.Records()...)
	withKey := bytes.Replace(whole, []byte(`"meta":`), []byte(`"@FIELD@":1,"meta":`), 1)
	write := func(name string, doc []byte, fill byte) {
		before, after, _ := bytes.Cut(doc, []byte("@FIELD@"))
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.Write(before)
		chunk := bytes.Repeat([]byte{fill}, 1<<20)
		for range field >> 20 {
			f.Write(chunk)
		}
		if _, err := f.Write(after); err != nil {
			t.Fatal(err)
		}
	}
	write("message.json", withMessage, 'x')
	write("key.json", withKey, 'k')
	if err := os.WriteFile(filepath.Join(dir, "whole.json"), whole, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (stderr string, code int, rss int64) {
		m := runMeasured(t, dir, nil, args...)
		return m.stderr, m.code, int64(m.peakMiB * (1 << 20))
	}
	_, _, baseline := run("merge", "whole.json")
	t.Logf("merge of a small report: peak RSS %.1f MB", float64(baseline)/(1<<20))
	if baseline > field {
		t.Fatalf("a merge of a small report peaks at %d MB: the measure cannot tell", baseline>>20)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", "message.json"}, "portspec merge: refusing message.json: result 2 (at byte "},
		{[]string{"diff", "whole.json", "message.json"}, "portspec diff: message.json: result 2 (at byte "},
		{[]string{"merge", "key.json"}, `portspec merge: refusing key.json: not a portspec JSON report: unknown key "kkkk`},
		{[]string{"diff", "key.json", "whole.json"}, `portspec diff: refusing key.json: not a portspec JSON report: unknown key "kkkk`},
	} {
		stderr, code, rss := run(tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d, %q", tc.args, code, stderr, exitUsage, tc.want)
		}
		t.Logf("%s: peak RSS %.1f MB", tc.args, float64(rss)/(1<<20))
		if rss > baseline+8<<20 {
			t.Errorf("%s: peak RSS %d MB for a %d MB field, %d MB for a small report", tc.args, rss>>20, field>>20, baseline>>20)
		}
	}
}
