package httpsig

import (
	"net/http"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// DefaultLabel is the signature label SignRequest uses.
const DefaultLabel = "sig1"

// Sign signs m. key is a crypto.Signer (ECDSA P-256/P-384, Ed25519, RSA) or
// a []byte secret for hmac-sha256; the algorithm is p.Alg when set, else the
// one the key implies (the alg parameter is only written when p.Alg is set,
// as RFC 9421 leaves it optional). It returns the Signature-Input and
// Signature dictionary members, e.g. `sig1=("@method");created=1` and
// `sig1=:...:`; SetSignature adds them to a header.
func Sign(m *Message, label string, components []Component, p Params, key any) (sigInput, sig string, err error) {
	alg := p.Alg
	if alg == "" {
		if alg, err = AlgorithmForKey(key); err != nil {
			return "", "", err
		}
	}
	if err := checkKeyFits(alg, key); err != nil {
		return "", "", err
	}
	il, err := innerList(components, p)
	if err != nil {
		return "", "", err
	}
	sigParams, err := httpsfv.Marshal(il)
	if err != nil {
		return "", "", errorf(ErrMalformed, "signature parameters: "+err.Error())
	}
	base, err := buildBase(m, components, sigParams)
	if err != nil {
		return "", "", err
	}
	value, err := SignBase(alg, key, base)
	if err != nil {
		return "", "", err
	}
	in := httpsfv.NewDictionary()
	in.Add(label, il)
	if sigInput, err = httpsfv.Marshal(in); err != nil {
		return "", "", errorf(ErrMalformed, "label "+quote(label)+": "+err.Error())
	}
	out := httpsfv.NewDictionary()
	out.Add(label, httpsfv.Item{Value: value, Params: httpsfv.NewParams()})
	if sig, err = httpsfv.Marshal(out); err != nil {
		return "", "", errorf(ErrMalformed, "label "+quote(label)+": "+err.Error())
	}
	return sigInput, sig, nil
}

// SetSignature merges the Signature-Input and Signature members returned by
// Sign into h, replacing an existing signature with the same label (a
// retried request is re-signed, not signed twice) and keeping others.
func SetSignature(h http.Header, sigInput, sig string) error {
	if err := mergeMember(h, "Signature-Input", sigInput); err != nil {
		return err
	}
	return mergeMember(h, "Signature", sig)
}

func mergeMember(h http.Header, field, member string) error {
	add, err := httpsfv.UnmarshalDictionary([]string{member})
	if err != nil {
		return errorf(ErrMalformed, field+" member: "+err.Error())
	}
	d := httpsfv.NewDictionary()
	if lines, ok := fieldLines(h, field); ok && len(lines) > 0 {
		if d, err = httpsfv.UnmarshalDictionary(lines); err != nil {
			return errorf(ErrMalformed, "existing "+field+": "+err.Error())
		}
	}
	for _, k := range add.Names() {
		v, _ := add.Get(k)
		d.Del(k)
		d.Add(k, v)
	}
	s, err := httpsfv.Marshal(d)
	if err != nil {
		return errorf(ErrMalformed, field+": "+err.Error())
	}
	h.Set(field, s)
	return nil
}

// SignOptions configures SignRequest.
type SignOptions struct {
	// Key signs: a crypto.Signer (ECDSA P-256/P-384, Ed25519, RSA) or a
	// []byte secret for hmac-sha256.
	Key any
	// KeyID becomes the keyid parameter (OffBlocks: the id returned when the
	// public key was uploaded).
	KeyID string
	// Algorithm is written as the alg parameter; empty means the key's
	// algorithm (still written, so verifiers need not guess).
	Algorithm string
	// Label defaults to DefaultLabel.
	Label string
	// Components lists the covered component identifiers. Empty means
	// DefaultComponents(), of which header fields absent from the request are
	// left out. An explicit list is taken as given: a missing header is an
	// error, except content-digest, which SignRequest computes.
	Components []string
	// DigestAlgorithm is used when SignRequest adds Content-Digest:
	// "sha-256" (default) or "sha-512".
	DigestAlgorithm string
	// Created defaults to time.Now(); Expires, Nonce and Tag are written
	// only when set.
	Created time.Time
	Expires time.Time
	Nonce   string
	Tag     string
}

// DefaultComponents is what SignRequest covers by default: the request line,
// the credential, the body (via Content-Digest) and the idempotency key, so
// none of them can be swapped on a signed request. OffBlocks does not
// publish its required list; this is the superset its docs imply.
func DefaultComponents() []string {
	return []string{CompMethod, CompTargetURI, "authorization", "content-digest", "content-type", "idempotency-key"}
}

// SignRequest signs an outgoing request in place: it adds Content-Digest
// for body when content-digest is covered and absent (and refuses a
// Content-Digest that does not match body), then sets Signature-Input and
// Signature. Sign after every other header is final, including
// Authorization, or the signature will not cover it.
func SignRequest(r *http.Request, body []byte, opts SignOptions) error {
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	ids := opts.Components
	explicit := len(ids) > 0
	if !explicit {
		ids = DefaultComponents()
	}
	digestAlg := opts.DigestAlgorithm
	if digestAlg == "" {
		digestAlg = DefaultDigestAlgorithm
	}
	if ContentDigest(nil, digestAlg) == "" {
		return errorf(ErrUnsupportedAlgorithm, "digest algorithm "+quote(digestAlg))
	}
	var components []Component
	for _, id := range ids {
		c, err := ParseComponent(id)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(c.Name, "@") && !c.TR {
			_, present := fieldLines(r.Header, c.Name)
			switch {
			case c.Name == "content-digest" && !present:
				if !explicit && len(body) == 0 {
					continue
				}
				r.Header.Set("Content-Digest", ContentDigest(body, digestAlg))
			case c.Name == "content-digest":
				lines, _ := fieldLines(r.Header, "Content-Digest")
				if err := CheckContentDigest(strings.Join(lines, ", "), body); err != nil {
					return err
				}
			case !present && !explicit:
				continue
			}
		}
		components = append(components, c)
	}
	alg := opts.Algorithm
	if alg == "" {
		var err error
		if alg, err = AlgorithmForKey(opts.Key); err != nil {
			return err
		}
	}
	created := opts.Created
	if created.IsZero() {
		created = time.Now()
	}
	label := opts.Label
	if label == "" {
		label = DefaultLabel
	}
	p := Params{Created: created, Expires: opts.Expires, KeyID: opts.KeyID, Alg: alg, Nonce: opts.Nonce, Tag: opts.Tag}
	in, sig, err := Sign(NewRequestMessage(r), label, components, p, opts.Key)
	if err != nil {
		return err
	}
	return SetSignature(r.Header, in, sig)
}
