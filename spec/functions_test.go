package spec

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestSpecDocFunctionList holds the list of functions in docs/spec.md to
// the functions a spec can really call, functionNames.
func TestSpecDocFunctionList(t *testing.T) {
	doc, err := os.ReadFile("../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	const intro = "Expressions can use `var.NAME`, `local.NAME` and these pure functions:"
	text := string(doc)
	start := strings.Index(text, intro)
	if start < 0 {
		t.Fatalf("docs/spec.md no longer says %q", intro)
	}
	list := text[start+len(intro):]
	list = list[:strings.Index(list, ". ")]
	var listed []string
	for _, m := range regexp.MustCompile("`([a-z]+)`").FindAllStringSubmatch(list, -1) {
		listed = append(listed, m[1])
	}
	if !slices.Equal(listed, functionNames()) {
		t.Errorf("docs/spec.md lists\n%v\nbut a spec can call\n%v", listed, functionNames())
	}
}

// TestSpecDocSchema holds docs/spec.md to the language: every block a
// spec can write and every attribute of each is named there, in code
// quotes, so that a new attribute cannot ship undocumented.
func TestSpecDocSchema(t *testing.T) {
	doc, err := os.ReadFile("../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	if missing := undocumented(string(doc)); len(missing) > 0 {
		t.Errorf("docs/spec.md never names %v", missing)
	}
	// The check can fail: a name the page does not have is found missing.
	if missing := undocumented(strings.ReplaceAll(string(doc), "`source_port`", "")); !slices.Contains(missing, "source_port") {
		t.Errorf("a page without source_port was not found wanting: %v", missing)
	}
}

// undocumented are the block types and attribute names of the language
// that doc never quotes as `name`, `name = ...` or `name "label"`.
func undocumented(doc string) []string {
	var names []string
	for _, s := range []*hcl.BodySchema{rootSchema, settingsSchema, profileSchema, hostSchema, expectationSchema, waiverSchema, variableSchema} {
		for _, b := range s.Blocks {
			names = append(names, b.Type)
		}
		for _, a := range s.Attributes {
			names = append(names, a.Name)
		}
	}
	for _, b := range expectationBlocks {
		names = append(names, b.Type)
	}
	var missing []string
	for _, name := range names {
		quoted := regexp.MustCompile("`" + regexp.QuoteMeta(name) + "([` ]|\\b)")
		if !quoted.MatchString(doc) && !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
	}
	return missing
}

// TestDocSpecsAreFormatted: every HCL example in the README and docs/ is
// as fmt writes it, so that one copied into a policy repository passes
// the portspec-fmt pre-commit hook.
func TestDocSpecsAreFormatted(t *testing.T) {
	pages, _ := filepath.Glob("../docs/*.md")
	blocks := 0
	for _, page := range append(pages, "../README.md") {
		doc, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile("(?s)```hcl\n(.*?)```").FindAllSubmatch(doc, -1) {
			blocks++
			got, diags := NewLoader().FormatSource(page, m[1])
			if diags.HasErrors() {
				t.Errorf("%s: an HCL example that does not parse: %v", page, diags)
			} else if !bytes.Equal(got, m[1]) {
				t.Errorf("%s: an HCL example is not as fmt writes it:\n%s", page, got)
			}
		}
	}
	if blocks < 3 {
		t.Errorf("%d HCL examples found: the test proves nothing", blocks)
	}
}
