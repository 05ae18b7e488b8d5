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

// macOf returns the HMAC of parts, in order, under secret with the hash
// kind makes: the same bytes hmac.New(newHash, secret) would give.
func macOf(kind uintptr, newHash func() hash.Hash, secret []byte, parts ...[]byte) []byte {
	km, _ := macPool.Get().(*keyedMAC)
	if km != nil && km.hashID == kind && bytes.Equal(km.secret, secret) {
		km.h.Reset()
	} else {
		km = &keyedMAC{hashID: kind, secret: bytes.Clone(secret), h: hmac.New(newHash, secret)}
	}
	for _, p := range parts {
		km.h.Write(p)
	}
	out := km.h.Sum(nil)
	macPool.Put(km)
	return out
}

var dot = []byte{'.'}
