package offblocks

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// checkDigest: a body needs a Content-Digest that matches it [DOC]; one on
// an empty body must match the empty body. The digest algorithm is not
// named [UNKNOWN]: sha-256 (OffBlocks' library's default) and sha-512 are
// both accepted; only want when it is set (Wire.DigestAlgorithm).
func checkDigest(h http.Header, body []byte, want string) string {
	lines := h.Values("Content-Digest")
	if len(lines) == 0 {
		if len(body) > 0 {
			return "the Content-Digest header is required on a request with a body"
		}
		return ""
	}
	if err := checkContentDigest(lines, body, want); err != nil {
		return "Content-Digest " + err.Error()
	}
	return ""
}

// requiredComponents are what a request's signature must cover: @method
// and authorization always, content-digest with a digest or body,
// content-type with a typed body and idempotency-key when sent, so none of
// them can be swapped on a captured request, plus the target (see
// targetCovered). OffBlocks' list is not visible [UNKNOWN]; this is
// docs/providers/offblocks.md §3.3's inference, with the target either way
// OffBlocks' library accepts it.
func (s *Sandbox) requiredComponents(r *http.Request, body []byte) []string {
	required := []string{"@method", "authorization"}
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

// targetCovered: the signature pins where the request goes, as the
// absolute @target-uri or as @authority and @path (and @query when the
// request has a query). A server built on OffBlocks' library takes
// @target-uri from the request as it received it (path and query only),
// so the second form is what passes there however the URL is rebuilt.
func targetCovered(components []string, hasQuery bool) bool {
	if slices.Contains(components, "@target-uri") {
		return true
	}
	return slices.Contains(components, "@authority") && slices.Contains(components, "@path") &&
		(!hasQuery || slices.Contains(components, "@query"))
}

// checkSignature verifies the request's RFC 9421 signature [DOC: Signature
// and Signature-Input on every authenticated request, ecdsa-p384-sha384
// only] with the emulator's own verifier (sigverify.go). The key is the
// uploaded one, named by its keyid; the upload itself must be signed by
// the key it uploads (proof of possession [INF]), under a keyid of the
// client's choosing, as none has been issued yet. A refused signature is
// 400 "invalid required signature", as OffBlocks' library answers.
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
		return http.StatusBadRequest, "invalid required signature: the request is not signed (Signature-Input and Signature with " + algorithm + " are required)"
	}
	if err := s.verifySignature(r, pub, keyID, s.requiredComponents(r, body)); err != nil {
		return http.StatusBadRequest, err.Error()
	}
	rs, _ := parseReceived(r.Header) // parsed above without error
	if !targetCovered(rs.components, s.addressed(r).target.RawQuery != "") {
		return http.StatusBadRequest, "invalid required signature: the signature must cover @target-uri, or @authority and @path (and @query with a query)"
	}
	return 0, ""
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
