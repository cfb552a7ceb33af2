package report

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// encoding/json matches a key to a field whatever its case (and folds
// "ſ" to "s" and "K" to "k"), lets the last of two keys for one field
// win, and passes over keys it does not know: {"verdict":"fail",
// "Verdict":"pass"} reads as a pass where jq and Python read a failure.
// keyScan holds each object of a report to the layout's own words
// instead: each key the exact name of a field of the type at its place,
// and no field named twice in one object. What portspec reads is then
// what any other reader of the file reads.

// layout is the JSON layout of a type: its fields by their exact names
// for a struct, its elements' for a list, nil for a word or a number.
type layout struct {
	// fields are the fields' places in order, by their exact names.
	fields map[string]int
	// order is the fields in the order the writer writes them, names
	// their names: a key is looked for after the last one first.
	order []layoutField
	names []string
	elem  *layout
	// length is a fixed-size list's (an array's), which encoding/json
	// fills with zeros or cuts; 0 for any other.
	length int
}

type layoutField struct {
	name   string
	layout *layout
}

var (
	recordLayout  = layoutOf(reflect.TypeFor[Record]())
	metaLayout    = layoutOf(reflect.TypeFor[jsonMeta]())
	summaryLayout = layoutOf(reflect.TypeFor[jsonSummary]())
)

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

// layoutOf reads t's layout from its fields' json tags, as encoding/json
// does: the types are the layout, so it has one definition.
func layoutOf(t reflect.Type) *layout {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if p := reflect.PointerTo(t); p.Implements(textUnmarshaler) || p.Implements(jsonUnmarshaler) {
		return nil // a word, such as a time or a verdict
	}
	switch t.Kind() {
	case reflect.Slice:
		return &layout{elem: layoutOf(t.Elem())}
	case reflect.Array:
		return &layout{elem: layoutOf(t.Elem()), length: t.Len()}
	case reflect.Struct:
		l := &layout{fields: map[string]int{}}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if len(l.order) == 64 {
				panic("report: a JSON object of more than 64 fields")
			}
			l.fields[name] = len(l.order)
			l.order = append(l.order, layoutField{name: name, layout: layoutOf(f.Type)})
			l.names = append(l.names, name)
		}
		return l
	}
	return nil
}

// keyScan checks the keys of an object of a layout as jsonSource.object
// reads it, a byte at a time, in the same pass that finds its end. It is
// told of each bracket, comma and key outside strings. The object's
// syntax is its decoder's to check: on an object that is not JSON, the
// scan ends without a panic, and what it says is not asked.
type keyScan struct {
	root   *layout
	frames []scanFrame
	// skip counts the objects and lists entered whose keys do not
	// matter: a word's (a time's), or any once a key was refused.
	skip int
	err  error // the first key refused
}

// scanFrame is an object or a list the scan is in.
type scanFrame struct {
	layout    *layout
	object    bool
	expectKey bool     // an object's next string is a key
	named     uint64   // the fields an object has named, a bit each
	next      int      // the field its last key named, -1 for none
	commas    int      // a list's, so far: its element's index
	step      pathStep // how the scan came in: a field, or an element
}

// pathStep is a step into a value: a field, or a list's element.
type pathStep struct {
	field string
	index int
}

func (k *keyScan) reset(l *layout) {
	k.root, k.frames, k.skip, k.err = l, k.frames[:0], 0, nil
}

// depth is how many objects and lists the scan is in: 0 once the object
// has ended.
func (k *keyScan) depth() int { return len(k.frames) + k.skip }

// open enters an object ('{') or a list ('[').
func (k *keyScan) open(c byte) {
	if k.skip > 0 {
		k.skip++
		return
	}
	l, step := k.root, pathStep{}
	if n := len(k.frames); n > 0 {
		top := &k.frames[n-1]
		switch {
		case top.object && top.next >= 0:
			f := top.layout.order[top.next]
			l, step = f.layout, pathStep{field: f.name}
		case top.object:
			l = nil // a value with no key: its decoder says so
		default:
			l, step = top.layout.elem, pathStep{index: top.commas}
		}
	}
	switch {
	case c == '{' && l != nil && l.fields != nil:
		k.frames = append(k.frames, scanFrame{layout: l, object: true, expectKey: true, next: -1, step: step})
	case c == '[' && l != nil && (l.elem != nil || l.length > 0):
		k.frames = append(k.frames, scanFrame{layout: l, next: -1, step: step})
	default:
		k.skip++
	}
}

// close leaves the object or list the scan is in; empty says it had
// nothing in it.
func (k *keyScan) close(empty bool) {
	if k.skip > 0 {
		k.skip--
		return
	}
	top := k.frames[len(k.frames)-1]
	if n := top.commas + 1; !top.object && top.layout.length > 0 {
		if empty {
			n = 0
		}
		if n != top.layout.length {
			k.fail("%d elements, not %d", n, top.layout.length)
		}
	}
	if k.skip == 0 {
		k.frames = k.frames[:len(k.frames)-1]
	} else {
		k.skip-- // fail turned the frames into skips
	}
}

// comma separates an object's fields or a list's elements.
func (k *keyScan) comma() {
	if k.skip > 0 {
		return
	}
	top := &k.frames[len(k.frames)-1]
	if top.object {
		top.expectKey = true
	} else {
		top.commas++
	}
}

// wantsKey says the string the scan is at is a key to check.
func (k *keyScan) wantsKey() bool {
	return k.skip == 0 && k.frames[len(k.frames)-1].expectKey
}

// key checks a key, as written between its quotes.
func (k *keyScan) key(raw []byte) {
	top := &k.frames[len(k.frames)-1]
	top.expectKey = false
	i := top.field(raw)
	if i < 0 && bytes.IndexByte(raw, '\\') >= 0 {
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s) != nil {
			return // not JSON: its decoder says so
		}
		raw = []byte(s)
		i = top.field(raw)
	}
	switch {
	case i < 0:
		for name := range top.layout.fields {
			if bytes.EqualFold(raw, []byte(name)) {
				k.fail("the key %s is not %q: keys are the fields' exact names", quoteCut(string(raw)), name)
				return
			}
		}
		k.fail("unknown key %s", quoteCut(string(raw)))
	case top.named&(1<<i) != 0:
		k.fail("the key %q twice", top.layout.names[i])
	default:
		top.named |= 1 << i
		top.next = i
	}
}

// field is the place of the object's field named key, or -1. A writer
// names them in order, some left out: the ones after the last named are
// looked at first.
func (top *scanFrame) field(key []byte) int {
	names := top.layout.names
	for i := top.next + 1; i < len(names); i++ {
		if string(key) == names[i] {
			return i
		}
	}
	if i, ok := top.layout.fields[string(key)]; ok {
		return i
	}
	return -1
}

// fail keeps the first key error, at the place the scan is
// ("evidence.tries[1]: ..."), and checks nothing after it.
func (k *keyScan) fail(format string, args ...any) {
	var where strings.Builder
	for _, f := range k.frames[1:] {
		switch {
		case f.step.field == "":
			fmt.Fprintf(&where, "[%d]", f.step.index)
		case where.Len() > 0:
			where.WriteString("." + f.step.field)
		default:
			where.WriteString(f.step.field)
		}
	}
	k.err = fmt.Errorf(format, args...)
	if where.Len() > 0 {
		k.err = fmt.Errorf("%s: %v", where.String(), k.err)
	}
	k.skip += len(k.frames)
	k.frames = k.frames[:0]
}
