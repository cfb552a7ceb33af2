package spec

import (
	"path/filepath"
	"strings"
	"testing"
)

// A snapshot's --name is the user's text, and lands both in a label and
// in the header comment (issue #19, item 17): a newline in it once ended
// the comment, and the file no longer parsed. Whatever the name, the
// snapshot loads, the host is named exactly that, and each header line
// stays one comment line.
func TestSnapshotHostileNames(t *testing.T) {
	for _, name := range []string{
		`say "hi"`, `back\slash`, "${var.x}", "%{ if true }x%{ endif }", "$${x}",
		"web\n::warning::forged", "web\r\nhost \"x\" {", "\x1b[2J\x1bc", "\u202eevil", "a\u2028b", "tab\there", "ünïcode",
	} {
		header := []string{"portspec snapshot -n 127.0.0.1 --name " + name, "second line"}
		text := string(Snapshot(header, []SnapshotHost{{Name: name, Address: "127.0.0.1", States: map[Protocol]map[uint16]State{TCP: {22: Listening}}}}))
		comments, _, _ := strings.Cut(text, "\n\nhost ")
		lines := strings.Split(comments, "\n")
		if len(lines) != len(header) {
			t.Errorf("%q: the header is %d lines, want %d:\n%s", name, len(lines), len(header), text)
		}
		for _, line := range lines {
			if !strings.HasPrefix(line, "# ") {
				t.Errorf("%q: header line %q is not a comment", name, line)
			}
		}
		dir := writeSpec(t, map[string]string{"snap.hcl": text})
		l := NewLoader()
		s, diags := l.Load([]string{filepath.Join(dir, "snap.hcl")}, Options{})
		if diags.HasErrors() {
			t.Errorf("%q: the snapshot does not load:\n%s\n%s", name, text, render(l, diags))
			continue
		}
		if len(s.Hosts) != 1 || s.Hosts[0].Name != name {
			t.Errorf("%q: loaded back as %d hosts, not one of that name", name, len(s.Hosts))
		}
	}
}
