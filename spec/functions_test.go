package spec

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
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
