package httpsig

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"

	"github.com/dunglas/httpsfv"
)

// Content-Digest algorithm keys (RFC 9530 §5). Only the two "standard"
// (not "insecure") algorithms are implemented.
const (
	DigestSHA256 = "sha-256"
	DigestSHA512 = "sha-512"
)

// DefaultDigestAlgorithm is what SignRequest uses. OffBlocks does not
// publish which algorithm its API expects; sha-256 is the one every RFC 9530
// implementation supports, and CheckContentDigest accepts either.
const DefaultDigestAlgorithm = DigestSHA256

func digestOf(body []byte, alg string) ([]byte, bool) {
	switch alg {
	case DigestSHA256:
		d := sha256.Sum256(body)
		return d[:], true
	case DigestSHA512:
		d := sha512.Sum512(body)
		return d[:], true
	}
	return nil, false
}

// ContentDigest returns the Content-Digest field value for body, e.g.
// `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`. alg is
// "sha-256" or "sha-512"; any other value yields "".
func ContentDigest(body []byte, alg string) string {
	d, ok := digestOf(body, alg)
	if !ok {
		return ""
	}
	return alg + "=:" + base64.StdEncoding.EncodeToString(d) + ":"
}

// CheckContentDigest checks a Content-Digest field value against body.
// Every sha-256/sha-512 member must match; members with other algorithms
// are ignored (RFC 9530 lets recipients ignore digests), but at least one
// supported member must be present, otherwise the body would go unchecked.
func CheckContentDigest(header string, body []byte) error {
	d, err := httpsfv.UnmarshalDictionary([]string{header})
	if err != nil {
		return errorf(ErrMalformed, "Content-Digest: "+err.Error())
	}
	checked := 0
	for _, alg := range d.Names() {
		m, _ := d.Get(alg)
		want, ok := digestOf(body, alg)
		if !ok {
			continue
		}
		item, isItem := m.(httpsfv.Item)
		got, isBytes := item.Value.([]byte)
		if !isItem || !isBytes {
			return errorf(ErrMalformed, "Content-Digest "+alg+" is not a byte sequence")
		}
		if subtle.ConstantTimeCompare(want, got) != 1 {
			return errorf(ErrDigestMismatch, alg+" of the body is "+base64.StdEncoding.EncodeToString(want))
		}
		checked++
	}
	if checked == 0 {
		return errorf(ErrUnsupportedDigest, "Content-Digest has no sha-256 or sha-512 member")
	}
	return nil
}
