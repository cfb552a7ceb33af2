package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/exit"
	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
)

// TestMergedElapsed: a merged run took from the earliest start of its
// shards to the latest end of one, not to the moment of the merge (issue
// #19, item 14). Shard 2 starts 3 s before shard 1 and ends 1.5 s after
// the run's start; shard 1 ends 5 s after it: 8 s in all, though the
// shards took 9.5 s between them.
func TestMergedElapsed(t *testing.T) {
	dir := t.TempDir()
	records := reporttest.Records()
	shard := func(name, k string, start time.Time, elapsed time.Duration, records []report.Record) string {
		var b bytes.Buffer
		j := report.NewJSON(&b)
		meta := reporttest.Meta()
		meta.Shard, meta.Start = k, start
		j.Begin(meta)
		var sum report.Summary
		for _, r := range records {
			j.Result(r)
			sum.Add(r)
		}
		sum.Elapsed = elapsed
		if err := j.End(sum); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	one := shard("1.json", "1/2", reporttest.Start, 5*time.Second, records[:5])
	two := shard("2.json", "2/2", reporttest.Start.Add(-3*time.Second), 4500*time.Millisecond, records[5:])
	merged, junit := filepath.Join(dir, "merged.json"), filepath.Join(dir, "junit.xml")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"merge", "--json", merged, "--junit", junit, one, two}, &stdout, &stderr); code != exit.Failed {
		t.Fatalf("merge exit %d, want %d:\n%s", code, exit.Failed, stderr.String())
	}
	if !strings.Contains(stdout.String(), "\ntook 8s") {
		t.Errorf("the text says\n%s\nwant took 8s", stdout.String())
	}
	doc, _ := os.ReadFile(merged)
	for _, want := range []string{`"started":"2026-11-26T11:59:57Z"`, `"elapsed_ms":8000,`} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("the merged JSON has no %s", want)
		}
	}
	if xml, _ := os.ReadFile(junit); !bytes.Contains(xml, []byte(`<testsuites name="portspec" time="8.000"`)) {
		t.Errorf("the merged JUnit's root:\n%.300s", xml)
	}

	// Shards more than a run apart are no one run: an empty shard, whose
	// own times say nothing, 400 days after the other.
	whole := shard("whole.json", "1/2", reporttest.Start, 5*time.Second, records)
	late := shard("late.json", "2/2", reporttest.Start.Add(400*24*time.Hour), time.Second, nil)
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"merge", whole, late}, &stdout, &stderr); code != exit.Usage || stdout.Len() > 0 ||
		!strings.Contains(stderr.String(), "refusing to merge: "+whole+" started at 2026-11-26T12:00:00Z and "+late+" ended at 2027-12-31T12:00:01Z: one run lasts less than 366 days") {
		t.Errorf("merge exit %d, stderr %s", code, stderr.String())
	}
}
