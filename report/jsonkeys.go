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
// checkKeys holds a value it decoded to the layout's own words instead:
// each key the exact name of a field of the type at its place, and no
// field named twice in one object. What portspec reads is then what any
// other reader of the file reads.

// layout is the JSON layout of a type: its fields by their exact names
// for a struct, its elements' for a list, nil for a word or a number.
type layout struct {
	fields map[string]layoutField
	elem   *layout
	// length is a fixed-size list's (an array's), which encoding/json
	// fills with zeros or cuts; 0 for any other.
	length int
}

type layoutField struct {
	name   string
	bit    uint64 // the field's bit among the keys an object has named
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
		l := &layout{fields: map[string]layoutField{}}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if len(l.fields) == 64 {
				panic("report: a JSON object of more than 64 fields")
			}
			l.fields[name] = layoutField{name: name, bit: 1 << len(l.fields), layout: layoutOf(f.Type)}
		}
		return l
	}
	return nil
}

// checkKeys checks the keys of data, a valid JSON value that
// encoding/json decoded into a value of layout l, and names the first
// key that is not a field's exact name or that names a field again.
func checkKeys(data []byte, l *layout) error {
	w := keyWalk{data: data}
	return w.value(l)
}

// keyWalk walks a valid JSON value, and knows the way it took.
type keyWalk struct {
	data []byte
	i    int
	path []pathStep
}

// pathStep is a step into a value: a field, or a list's element.
type pathStep struct {
	field string
	index int
}

func (w *keyWalk) value(l *layout) error {
	w.space()
	switch w.data[w.i] {
	case '{':
		if l != nil && l.fields != nil {
			return w.object(l)
		}
	case '[':
		if l != nil && (l.elem != nil || l.length > 0) {
			return w.list(l)
		}
	}
	w.skip()
	return nil
}

func (w *keyWalk) object(l *layout) error {
	w.i++
	var named uint64
	for {
		w.space()
		switch w.data[w.i] {
		case '}':
			w.i++
			return nil
		case ',':
			w.i++
			w.space()
		}
		raw := w.str()
		key := raw[1 : len(raw)-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var s string
			json.Unmarshal(raw, &s) // valid: encoding/json decoded it
			key = []byte(s)
		}
		f, ok := l.fields[string(key)]
		switch {
		case !ok:
			return w.unknown(l, key)
		case named&f.bit != 0:
			return w.errorf("the key %q twice", f.name)
		}
		named |= f.bit
		w.space()
		w.i++ // the colon
		w.path = append(w.path, pathStep{field: f.name})
		if err := w.value(f.layout); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *keyWalk) list(l *layout) error {
	w.i++
	for n := 0; ; n++ {
		w.space()
		switch w.data[w.i] {
		case ']':
			w.i++
			if l.length > 0 && n != l.length {
				return w.errorf("%d elements, not %d", n, l.length)
			}
			return nil
		case ',':
			w.i++
		}
		w.path = append(w.path, pathStep{index: n})
		if err := w.value(l.elem); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
}

// unknown is the error of a key that names no field of l: a field's
// name in another case gets said so.
func (w *keyWalk) unknown(l *layout, key []byte) error {
	for name := range l.fields {
		if bytes.EqualFold(key, []byte(name)) {
			return w.errorf("the key %s is not %q: keys are the fields' exact names", quoteCut(string(key)), name)
		}
	}
	return w.errorf("unknown key %s", quoteCut(string(key)))
}

// errorf is an error at the place the walk is: "evidence.tries[1]: ...".
func (w *keyWalk) errorf(format string, args ...any) error {
	var where strings.Builder
	for _, s := range w.path {
		switch {
		case s.field == "":
			fmt.Fprintf(&where, "[%d]", s.index)
		case where.Len() > 0:
			where.WriteString("." + s.field)
		default:
			where.WriteString(s.field)
		}
	}
	msg := fmt.Sprintf(format, args...)
	if where.Len() == 0 {
		return fmt.Errorf("%s", msg)
	}
	return fmt.Errorf("%s: %s", where.String(), msg)
}

func (w *keyWalk) space() {
	for w.i < len(w.data) {
		switch w.data[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// str takes a string and returns it as written, quotes included.
func (w *keyWalk) str() []byte {
	start := w.i
	w.i++
	for {
		switch w.data[w.i] {
		case '\\':
			w.i += 2
		case '"':
			w.i++
			return w.data[start:w.i]
		default:
			w.i++
		}
	}
}

// skip takes a value whose keys do not matter: a word, a number, or a
// value that encoding/json decoded whole, such as a time.
func (w *keyWalk) skip() {
	switch w.data[w.i] {
	case '"':
		w.str()
		return
	case '{', '[':
		for depth := 0; ; {
			switch w.data[w.i] {
			case '"':
				w.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			w.i++
			if depth == 0 {
				return
			}
		}
	}
	for ; w.i < len(w.data); w.i++ {
		switch w.data[w.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return
		}
	}
}
