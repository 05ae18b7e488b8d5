package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMacOf: a pooled keyed MAC gives what a fresh hmac.New gives, when
// secrets and hashes alternate and when a secret's bytes change in place.
func TestMacOf(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 1024)
	secret := []byte("whsec_one")
	cases := []struct {
		kind    uintptr
		newHash func() hash.Hash
		secret  []byte
	}{
		{hashSHA256, sha256.New, secret}, {hashSHA256, sha256.New, secret}, {hashSHA1, sha1.New, secret},
		{hashSHA256, sha256.New, []byte("whsec_two")}, {hashSHA256, sha256.New, nil}, {hashSHA256, sha256.New, secret},
	}
	for i, c := range cases {
		m := hmac.New(c.newHash, c.secret)
		m.Write([]byte("ts"))
		m.Write(body)
		if got := macOf(nil, c.kind, c.newHash, c.secret, body, "t", "", "s"); !bytes.Equal(got, m.Sum(nil)) {
			t.Errorf("case %d: MAC differs from hmac.New's", i)
		}
		if got := macOf([]byte("dst"), c.kind, c.newHash, c.secret, body, "ts"); !bytes.Equal(got, m.Sum([]byte("dst"))) {
			t.Errorf("case %d: MAC appended to dst differs from hmac.New's", i)
		}
	}
	secret[0] = 'W' // same slice, new content
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if got := macOf(nil, hashSHA256, sha256.New, secret, body); !bytes.Equal(got, m.Sum(nil)) {
		t.Error("a secret changed in place still used the old keyed state")
	}
}

// TestMatchMAC: the index of the first signature equal to the MAC macOf
// gives, or -1.
func TestMatchMAC(t *testing.T) {
	secret, body := []byte("whsec_one"), []byte("{}")
	mac := macOf(nil, hashSHA256, sha256.New, secret, body, "ts", ".")
	other := macOf(nil, hashSHA256, sha256.New, secret, body, "ts")
	for _, c := range []struct {
		sigs [][]byte
		want int
	}{
		{nil, -1}, {[][]byte{other}, -1}, {[][]byte{mac}, 0}, {[][]byte{other, mac, mac}, 1}, {[][]byte{mac[:31], other}, -1},
	} {
		if got := matchMAC(c.sigs, hashSHA256, sha256.New, secret, body, "ts", "."); got != c.want {
			t.Errorf("matchMAC(%d signatures) = %d, want %d", len(c.sigs), got, c.want)
		}
	}
}

// TestAppendHex: appendHex accepts and decodes exactly what
// hex.DecodeString does, and decodeSig appends to dst what it would
// return alone.
func TestAppendHex(t *testing.T) {
	digits := "0123456789abcdefABCDEFgG /\x00\xff"
	rng := rand.New(rand.NewPCG(7, 8))
	for range 100_000 {
		b := make([]byte, rng.IntN(9))
		for i := range b {
			b[i] = digits[rng.IntN(len(digits))]
			if rng.IntN(4) > 0 {
				b[i] = digits[rng.IntN(22)] // mostly hex digits
			}
		}
		s := string(b)
		want, err := hex.DecodeString(s)
		got, ok := appendHex([]byte("x"), s)
		if ok != (err == nil) || ok && !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Fatalf("appendHex(%q) = %x, %v; hex.DecodeString: %x, %v", s, got, ok, want, err)
		}
	}
	mac := bytes.Repeat([]byte{0xab}, 32)
	for _, s := range []string{hex.EncodeToString(mac), strings.ToUpper(hex.EncodeToString(mac)), base64.StdEncoding.EncodeToString(mac),
		base64.RawURLEncoding.EncodeToString(mac), "zz"} {
		alone, enc, ok := decodeSig(nil, s, len(mac))
		got, enc2, ok2 := decodeSig([]byte("dst"), s, len(mac))
		if ok != ok2 || enc != enc2 || ok && !bytes.Equal(got, append([]byte("dst"), alone...)) {
			t.Errorf("decodeSig(%q): alone %x %s %v, appended %x %s %v", s, alone, enc, ok, got, enc2, ok2)
		}
	}
}
