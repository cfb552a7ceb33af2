package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Bounds on the text of a spec that is copied into every report row of
// the checks it is about: a description of 14 MiB, built within the
// functions' cap, made a JSON report and a log of 440 MB for 30 ports,
// which merge then refused. Each bound is far above what a policy writes;
// together they keep a row, all its text escaped, below merge's
// --max-record-size of 1 MiB: names 2×256 bytes, 64+64 tags of 256, 64
// controls and an owner and a link of 1 KiB, three descriptions and a
// reason of 4 KiB, a banner of 4 KiB: about 120 KiB, which escaping
// makes at most five times longer.
const (
	// maxNameBytes bounds a host's or profile's name, a tag and a
	// vantage point: names, of which a DNS name is at most 253 bytes.
	maxNameBytes = 256
	// maxTextBytes bounds a control, an owner, a link, a process and an
	// SNMP community: a phrase, an address or a URL.
	maxTextBytes = 1 << 10
	// maxProseBytes bounds a description and a waiver's reason: a few
	// sentences.
	maxProseBytes = 4 << 10
	// maxListItems bounds a block's tags, vantage points and controls.
	maxListItems = 64
	// maxPayload is the most a UDP datagram carries over IPv4: a payload
	// that could not be sent would fail every check of its block.
	maxPayload = 65507
)

// text decodes a, a string attribute, which what names for the error
// ("A description"), of at most most bytes.
func (d *decoder) text(a *hcl.Attribute, what string, most int) (string, bool) {
	s, ok := d.str(a)
	if ok && !d.short(a.Expr.Range(), s, what, most) {
		return "", false
	}
	return s, ok
}

// short reports whether s, the text at rng that what names, is at most
// most bytes, reporting it at rng when it is not.
func (d *decoder) short(rng hcl.Range, s, what string, most int) bool {
	if len(s) <= most {
		return true
	}
	d.errorf(rng, fmt.Sprintf("%s too long", capitalize(what)),
		"%s is at most %d bytes, and this one is %d: it is copied into every report row of its checks.", capitalize(withArticle(what)), most, len(s))
	return false
}

// fewItems reports whether items, the list at rng of what, has at most
// maxListItems, reporting it when it has more.
func (d *decoder) fewItems(rng hcl.Range, items []item, what string) bool {
	if len(items) <= maxListItems {
		return true
	}
	d.errorf(rng, fmt.Sprintf("Too many %ss", what),
		"A block has at most %d %ss, and this one lists %d: they are copied into every report row of its checks.", maxListItems, what, len(items))
	return false
}

// withArticle is what, a noun, with "a" or "an" before it.
func withArticle(what string) string {
	if what != "" && (what[0] == 'a' || what[0] == 'e' || what[0] == 'i' || what[0] == 'o' || what[0] == 'u') {
		return "an " + what
	}
	return "a " + what
}
