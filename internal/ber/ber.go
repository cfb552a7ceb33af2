// Package ber encodes and decodes the small subset of ASN.1 BER that the
// UDP probes speak: SNMP, CLDAP and Kerberos messages are all BER TLVs.
// encoding/asn1 is DER-only and cannot build these application-tagged,
// context-tagged messages as they go on the wire.
package ber

import (
	"errors"
	"math/big"
)

// Universal tags.
const (
	Integer     = 0x02
	OctetString = 0x04
	Null        = 0x05
	OID         = 0x06
	Enumerated  = 0x0a
	Sequence    = 0x30
	Set         = 0x31
)

// TLV encodes one value with its tag and length.
func TLV(tag byte, content ...[]byte) []byte {
	n := 0
	for _, c := range content {
		n += len(c)
	}
	out := append([]byte{tag}, length(n)...)
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

func length(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for ; n > 0; n >>= 8 {
		b = append([]byte{byte(n)}, b...)
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}

// Int encodes an INTEGER (or, with another tag, an ENUMERATED).
func Int(tag byte, v int64) []byte {
	b := big.NewInt(v).Bytes()
	if v == 0 {
		b = []byte{0}
	} else if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return TLV(tag, b)
}

// String encodes an OCTET STRING.
func String(s string) []byte { return TLV(OctetString, []byte(s)) }

// ObjectID encodes an OBJECT IDENTIFIER such as 1.3.6.1.2.1.1.1.0.
func ObjectID(arcs ...int) []byte {
	b := []byte{byte(arcs[0]*40 + arcs[1])}
	for _, a := range arcs[2:] {
		var enc []byte
		enc = append(enc, byte(a&0x7f))
		for a >>= 7; a > 0; a >>= 7 {
			enc = append([]byte{byte(a&0x7f | 0x80)}, enc...)
		}
		b = append(b, enc...)
	}
	return TLV(OID, b)
}

// Element is one decoded TLV.
type Element struct {
	Tag     byte
	Content []byte
}

var errShort = errors.New("ber: truncated")

// Next decodes the TLV at the start of b and returns it with the rest.
func Next(b []byte) (Element, []byte, error) {
	if len(b) < 2 {
		return Element{}, nil, errShort
	}
	tag, l := b[0], int(b[1])
	b = b[2:]
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 || n > 3 || len(b) < n {
			return Element{}, nil, errShort
		}
		l = 0
		for _, c := range b[:n] {
			l = l<<8 | int(c)
		}
		b = b[n:]
	}
	if len(b) < l {
		return Element{}, nil, errShort
	}
	return Element{tag, b[:l]}, b[l:], nil
}

// Children decodes the TLVs inside a constructed element.
func (e Element) Children() ([]Element, error) {
	var out []Element
	for b := e.Content; len(b) > 0; {
		el, rest, err := Next(b)
		if err != nil {
			return out, err
		}
		out = append(out, el)
		b = rest
	}
	return out, nil
}

// Int decodes an INTEGER's content.
func (e Element) Int() int64 {
	return new(big.Int).SetBytes(e.Content).Int64()
}
