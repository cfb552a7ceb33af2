package report_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/portspec/portspec/internal/escape/escapetest"
	"github.com/portspec/portspec/report"
)

// hostile is text no report may carry raw.
const hostile = "x\n::add-mask::A\x1b[2J\u202e"

// setStrings sets every string reachable from v, through structs,
// pointers and slices, to s.
func setStrings(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Pointer:
		if !v.IsNil() {
			setStrings(v.Elem(), s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				setStrings(v.Field(i), s)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			setStrings(v.Index(i), s)
		}
	}
}

// rawStrings lists the strings reachable from v that escape.Text did not
// make safe, with their paths.
func rawStrings(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.String:
		if problems := escapetest.FieldProblems(v.String()); len(problems) > 0 {
			return []string{path + ": " + strings.Join(problems, "; ")}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return rawStrings(v.Elem(), path)
		}
	case reflect.Struct:
		var raw []string
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				raw = append(raw, rawStrings(v.Field(i), path+"."+v.Type().Field(i).Name)...)
			}
		}
		return raw
	case reflect.Slice, reflect.Array:
		var raw []string
		for i := range v.Len() {
			raw = append(raw, rawStrings(v.Index(i), path+"[]")...)
		}
		return raw
	}
	return nil
}

// TestEscapeReachesEveryField: a text field added to the record, a try
// or the run's description must be escaped, or this fails.
func TestEscapeReachesEveryField(t *testing.T) {
	r := everyField()
	setStrings(reflect.ValueOf(&r).Elem(), hostile)
	r.Escape()
	a := report.Attempt{Try: r.Evidence.Tries[0]}
	setStrings(reflect.ValueOf(&a).Elem(), hostile)
	a.Escape()
	m := report.Meta{Command: []string{"portspec"}, Tags: []string{"t"}, Controls: []string{"c"}, Files: []string{"f"}}
	setStrings(reflect.ValueOf(&m).Elem(), hostile)
	m.Escape()
	for _, v := range []any{r, a, m} {
		for _, raw := range rawStrings(reflect.ValueOf(v), reflect.TypeOf(v).Name()) {
			t.Errorf("not escaped: %s", raw)
		}
	}
	if r.Host != `x\n::add-mask::A\x1b[2J\u202e` {
		t.Errorf("Host = %q", r.Host)
	}
}

// TestEscapeKeepsSharedSlices: a record's tags may be its spec block's
// own slice; escaping safe tags must not write to it.
func TestEscapeKeepsSharedSlices(t *testing.T) {
	tags := []string{"pci", "dmz"}
	r := report.Record{Tags: tags}
	r.Escape()
	if &r.Tags[0] != &tags[0] {
		t.Error("safe tags were copied")
	}
	evil := []string{"ok", "a\nb"}
	r = report.Record{Tags: evil}
	r.Escape()
	if evil[1] != "a\nb" || r.Tags[1] != `a\nb` {
		t.Errorf("escaping wrote the source slice: %q, record %q", evil, r.Tags)
	}
}
