package spec

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMEFunctionList holds the README's list of functions to the
// functions a spec can really call, functionNames.
func TestREADMEFunctionList(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const intro = "Expressions can use `var.NAME`, `local.NAME` and these pure functions:"
	text := string(readme)
	start := strings.Index(text, intro)
	if start < 0 {
		t.Fatalf("the README no longer says %q", intro)
	}
	list := text[start+len(intro):]
	list = list[:strings.Index(list, ". ")]
	var listed []string
	for _, m := range regexp.MustCompile("`([a-z]+)`").FindAllStringSubmatch(list, -1) {
		listed = append(listed, m[1])
	}
	if !slices.Equal(listed, functionNames()) {
		t.Errorf("the README lists\n%v\nbut a spec can call\n%v", listed, functionNames())
	}
}
