package offblocks

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

// checkDigest: a body needs a Content-Digest that matches it [DOC]; one on
// an empty body must match the empty body. The digest algorithm is not
// named [UNKNOWN]: any RFC 9530 sha-256 or sha-512 member is accepted, the
// two OffBlocks' own library implements; only want when it is set
// (Wire.DigestAlgorithm).
func checkDigest(h http.Header, body []byte, want string) string {
	lines := h.Values("Content-Digest")
	if len(lines) == 0 {
		if len(body) > 0 {
			return "the Content-Digest header is required on a request with a body"
		}
		return ""
	}
	if want != "" {
		for _, m := range strings.Split(strings.Join(lines, ","), ",") {
			if alg, _, _ := strings.Cut(strings.TrimSpace(m), "="); alg != want {
				return "Content-Digest must use " + want + " (got " + alg + ")"
			}
		}
	}
	if err := httpsig.CheckContentDigest(strings.Join(lines, ", "), body); err != nil {
		return "Content-Digest: " + err.Error()
	}
	return ""
}

// requiredComponents are what a request's signature must cover: @method,
// @target-uri and authorization always, plus content-digest with a digest
// or body, content-type with a typed body and idempotency-key when sent,
// so none of them can be swapped on a captured request. OffBlocks' list is
// not visible [UNKNOWN]; this is providers.md's sensible default [INF].
func (s *Sandbox) requiredComponents(r *http.Request, body []byte) []string {
	required := []string{"@method", "@target-uri", "authorization"}
	if len(body) > 0 || r.Header.Get("Content-Digest") != "" {
		required = append(required, "content-digest")
	}
	if len(body) > 0 && r.Header.Get("Content-Type") != "" {
		required = append(required, "content-type")
	}
	if r.Header.Get("Idempotency-Key") != "" {
		required = append(required, "idempotency-key")
	}
	for _, c := range s.wire.RequiredComponents {
		if !slices.Contains(required, c) && (strings.HasPrefix(c, "@") || r.Header.Get(c) != "") {
			required = append(required, c)
		}
	}
	return required
}

// checkSignature verifies the request's RFC 9421 signature [DOC: Signature
// and Signature-Input on every authenticated request, ecdsa-p384-sha384
// only]. The key is the uploaded one, named by its keyid; the upload itself
// must be signed by the key it uploads (proof of possession [INF]), without
// a keyid as none exists yet.
func (s *Sandbox) checkSignature(r *http.Request, body []byte, pattern string) (int, string) {
	var pub *ecdsa.PublicKey
	var keyID string
	if pattern == "PUT "+s.wire.SigningPath {
		k, msg := s.uploadedKey(body)
		if msg != "" {
			return http.StatusBadRequest, "Invalid request: " + msg
		}
		pub = k
	} else {
		s.mu.Lock()
		sk := s.signing
		s.mu.Unlock()
		if sk == nil {
			return http.StatusUnauthorized, "Not authorised: no request-signing key is registered; upload one with PUT " + s.wire.SigningPath
		}
		pub, keyID = sk.pub, sk.ID
	}
	if len(r.Header.Values("Signature-Input")) == 0 && len(r.Header.Values("Signature")) == 0 {
		return http.StatusUnauthorized, "Not authorised: the request is not signed (Signature-Input and Signature with " + algorithm + " are required)"
	}
	v, err := httpsig.VerifyRequest(asAddressed(r), body, httpsig.VerifyOptions{
		Key: pub, KeyID: keyID, Algorithm: algorithm, Required: s.requiredComponents(r, body),
		Now: s.now(), Tolerance: maxClockAhead, MaxAge: maxSignatureAge,
	})
	if err != nil {
		msg := err.Error()
		if errors.Is(err, httpsig.ErrSignatureMismatch) {
			msg += " (signed by another key, or the method, target URI or a covered header differs from what was signed)"
		}
		return http.StatusUnauthorized, "Not authorised: invalid request signature: " + msg
	}
	if keyID != "" && v.KeyID != keyID {
		return http.StatusUnauthorized, "Not authorised: the signature has no keyid; use the id PUT " + s.wire.SigningPath + " returned"
	}
	return 0, ""
}

// asAddressed is r with the target URI the client addressed. pkg/sandbox
// mounts the emulator under /offblocks/ and strips that prefix from
// r.URL, but the signature covers the full target URI; the request line
// (RequestURI) still has it, and the Host header gives the authority.
func asAddressed(r *http.Request) *http.Request {
	if r.RequestURI == "" {
		return r
	}
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return r
	}
	rr := r.Clone(r.Context())
	rr.URL = u
	return rr
}

// uploadedKey reads the public key of PUT /v1/auth/signing: the
// base64-encoded PEM public key [DOC], which must be ECDSA P-384 [DOC: the
// only supported algorithm]. Nothing else is accepted (no bare PEM, DER or
// JWK): the docs name this one form.
func (s *Sandbox) uploadedKey(body []byte) (*ecdsa.PublicKey, string) {
	field := s.wire.SigningKeyField
	shape := "body must be {\"" + field + "\": \"<base64 of the PEM public key>\"}"
	var req map[string]json.RawMessage
	if err := strictJSON(body, &req); err != nil {
		return nil, shape + ": " + err.Error()
	}
	var key string
	for name, v := range req {
		if name != field {
			return nil, shape + ": unknown field " + strconv.Quote(name)
		}
		if err := json.Unmarshal(v, &key); err != nil {
			return nil, shape + ": " + err.Error()
		}
	}
	if key == "" {
		return nil, field + " is required"
	}
	p, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key))
	if err != nil {
		return nil, "publicKey must be the base64 encoding of a PEM public key: " + err.Error()
	}
	k, err := pemPublicKey(p)
	switch {
	case errors.Is(err, errNotP384):
		return nil, "publicKey must be an ECDSA P-384 key (" + algorithm + " is the only supported algorithm)"
	case err != nil:
		return nil, "publicKey must be the base64 encoding of a PEM public key: " + err.Error()
	}
	return k, ""
}
