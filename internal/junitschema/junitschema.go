// Package junitschema holds a JUnit report to the two schemas the project
// answers to (junit/testdata): junit-consumers.xsd as written, and the
// Jenkins xUnit plugin's junit-10.xsd once the root's skipped count, which
// that schema has no place for, is removed. It is for tests: xmllint does
// the validating.
package junitschema

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
)

// Schemas are the schemas' file names, in junit/testdata.
var Schemas = []string{"junit-consumers.xsd", "junit-10.xsd"}

// Dir is junit/testdata, where the schemas are.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "junit", "testdata")
}

// rootSkipped is the root's skipped count, the one attribute the writer
// puts outside junit-10.xsd (see junit.Writer.End).
var rootSkipped = regexp.MustCompile(`(<testsuites [^>]*?) skipped="\d+"`)

// WithoutRootSkipped returns a report as junit-10.xsd would have it:
// without the root's skipped count. Validating that against the schema
// checks everything else the writer writes.
func WithoutRootSkipped(doc []byte) []byte {
	loc := rootSkipped.FindSubmatchIndex(doc)
	if loc == nil {
		return doc
	}
	out := append([]byte(nil), doc[:loc[3]]...)
	return append(out, doc[loc[1]:]...)
}

// Validate checks doc with xmllint against junit-consumers.xsd as it is,
// and against junit-10.xsd without the root's skipped count; scratch is a
// directory for the files xmllint reads.
func Validate(xmllint string, doc []byte, scratch string) error {
	views := map[string][]byte{"junit-consumers.xsd": doc, "junit-10.xsd": WithoutRootSkipped(doc)}
	for _, xsd := range Schemas {
		path := filepath.Join(scratch, "junit-for-"+xsd+".xml")
		if err := os.WriteFile(path, views[xsd], 0o644); err != nil {
			return err
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(Dir(), xsd), path).CombinedOutput()
		os.Remove(path)
		if err != nil {
			return fmt.Errorf("does not validate against %s: %v\n%s", xsd, err, out)
		}
	}
	return nil
}
