package report_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
)

// resultsSchema compiles docs/results.schema.json, formats asserted.
func resultsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../docs/results.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("results.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("results.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestResultsSchema validates what the JSON reporter writes against the
// published schema: a record with every field set (everyField, which
// TestEveryFieldIsSet keeps whole), a run's records of every verdict,
// and the golden report. A field the reports gain fails it until the
// schema says it; so does a value outside the words it lists.
func TestResultsSchema(t *testing.T) {
	schema := resultsSchema(t)
	docs := map[string][]byte{
		"every field":          reporttest.JSON(t, everyField()),
		"every verdict":        reporttest.JSON(t, reporttest.Records()...),
		"testdata/json.golden": mustRead(t, "testdata/json.golden"),
	}
	for name, doc := range docs {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
	}
	// The schema can fail: an unknown field, a signal it does not list.
	bad := everyField()
	bad.Evidence.Signal = "telepathy"
	for name, doc := range map[string]string{
		"an unknown field":  strings.Replace(string(reporttest.JSON(t, everyField())), `"host":`, `"hostile":"x","host":`, 1),
		"an unknown signal": string(reporttest.JSON(t, bad)),
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if schema.Validate(inst) == nil {
			t.Errorf("%s validates", name)
		}
	}
	// The layout's version is the reporter's.
	if want := fmt.Sprintf(`"schema": {"const": %d,`, report.JSONSchema); !bytes.Contains(mustRead(t, "../docs/results.schema.json"), []byte(want)) {
		t.Errorf("docs/results.schema.json does not say %s", want)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
