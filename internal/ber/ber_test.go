package ber

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	for _, tc := range []struct {
		got  []byte
		want string
	}{
		{Int(Integer, 0), "020100"},
		{Int(Integer, 127), "02017f"},
		{Int(Integer, 128), "02020080"},
		{Int(Integer, 0x5053), "02025053"},
		{String("public"), "04067075626c6963"},
		{ObjectID(1, 3, 6, 1, 2, 1, 1, 1, 0), "06082b06010201010100"},
		{ObjectID(1, 3, 6, 1, 4, 1, 311), "06072b0601040182 37"},
	} {
		want, _ := hex.DecodeString(string(bytes.ReplaceAll([]byte(tc.want), []byte(" "), nil)))
		if !bytes.Equal(tc.got, want) {
			t.Errorf("% x, want % x", tc.got, want)
		}
	}
	long := TLV(OctetString, bytes.Repeat([]byte{'x'}, 300))
	if hex.EncodeToString(long[:4]) != "0482012c" {
		t.Errorf("long form length: % x", long[:4])
	}
	msg := TLV(Sequence, Int(Integer, 1), String("c"), long)
	el, rest, err := Next(msg)
	if err != nil || len(rest) != 0 || el.Tag != Sequence {
		t.Fatalf("Next: %v %d %v", el.Tag, len(rest), err)
	}
	kids, err := el.Children()
	if err != nil || len(kids) != 3 || kids[0].Int() != 1 || string(kids[1].Content) != "c" || len(kids[2].Content) != 300 {
		t.Errorf("children %+v, %v", kids, err)
	}
	if _, _, err := Next(msg[:len(msg)-1]); err == nil {
		t.Error("a truncated message decoded")
	}
}
