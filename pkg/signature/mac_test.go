package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
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
		if got := macOf(c.kind, c.newHash, c.secret, []byte("t"), []byte("s"), body); !bytes.Equal(got, m.Sum(nil)) {
			t.Errorf("case %d: MAC differs from hmac.New's", i)
		}
	}
	secret[0] = 'W' // same slice, new content
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if got := macOf(hashSHA256, sha256.New, secret, body); !bytes.Equal(got, m.Sum(nil)) {
		t.Error("a secret changed in place still used the old keyed state")
	}
}
