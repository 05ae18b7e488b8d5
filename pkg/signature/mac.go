package signature

import (
	"bytes"
	"crypto/hmac"
	"hash"
	"sync"
)

// keyedMAC is an HMAC already keyed with secret (a copy), so the next MAC
// under the same secret starts from the saved pad state instead of
// hashing the key pads again and allocating a new HMAC.
type keyedMAC struct {
	hashID uintptr // which hash (hashSHA256, hashSHA1)
	secret []byte
	h      hash.Hash
	buf    []byte // the string parts, then the sum: a []byte handed to h escapes, so it is kept
}

// macPool holds keyedMACs; a batch or a listener verifying many deliveries
// under one secret gets the same keyed state back each time. The pool may
// drop entries at any GC, which only costs a re-keying.
var macPool sync.Pool

// The hashes the HMAC schemes use, told apart in macOf without comparing
// funcs (which Go does not allow).
const (
	hashSHA256 uintptr = iota + 1
	hashSHA1
)

// keyed returns a keyedMAC for secret and the hash kind makes, from the
// pool when it has one; put it back with macPool.Put.
func keyed(kind uintptr, newHash func() hash.Hash, secret []byte) *keyedMAC {
	km, _ := macPool.Get().(*keyedMAC)
	if km != nil && km.hashID == kind && bytes.Equal(km.secret, secret) {
		km.h.Reset()
		return km
	}
	return &keyedMAC{hashID: kind, secret: bytes.Clone(secret), h: hmac.New(newHash, secret)}
}

// sum returns the MAC of the strings in prefix and then body, in km.buf:
// valid until km is used again or put back.
func (km *keyedMAC) sum(body []byte, prefix []string) []byte {
	if len(prefix) > 0 {
		km.buf = km.buf[:0]
		for _, p := range prefix {
			km.buf = append(km.buf, p...)
		}
		km.h.Write(km.buf)
	}
	km.h.Write(body)
	km.buf = km.h.Sum(km.buf[:0])
	return km.buf
}

// macOf appends to dst the HMAC under secret, with the hash kind makes, of
// the strings in prefix and then body: the same bytes hmac.New(newHash,
// secret) would give.
func macOf(dst []byte, kind uintptr, newHash func() hash.Hash, secret, body []byte, prefix ...string) []byte {
	km := keyed(kind, newHash, secret)
	dst = append(dst, km.sum(body, prefix)...)
	macPool.Put(km)
	return dst
}

// matchMAC returns the index of the first of sigs equal (in constant
// time) to the HMAC macOf computes, or -1. The MAC itself costs no
// allocation: every delivery of a batch or a listener comes through here.
func matchMAC(sigs [][]byte, kind uintptr, newHash func() hash.Hash, secret, body []byte, prefix ...string) int {
	km := keyed(kind, newHash, secret)
	m := km.sum(body, prefix)
	hit := -1
	for j, sig := range sigs {
		if hmac.Equal(m, sig) {
			hit = j
			break
		}
	}
	macPool.Put(km)
	return hit
}
