package httpsig

import (
	"net/http"
	"strings"
	"time"
)

// DefaultTolerance is the clock skew allowed when checking created and
// expires, the same five minutes Standard Webhooks and Solvimon recommend.
const DefaultTolerance = 5 * time.Minute

// VerifyOptions configures VerifyMessage and VerifyRequest.
type VerifyOptions struct {
	// Key verifies: a public key (or private key, whose public half is
	// used), or a []byte secret for hmac-sha256.
	Key any
	// KeyID, when set, restricts verification to signatures whose keyid is
	// KeyID or absent.
	KeyID string
	// Label, when set, verifies only the signature with that label.
	Label string
	// Algorithm, when set, is the only algorithm accepted; it is used for
	// signatures without an alg parameter. Empty means the key's algorithm.
	Algorithm string
	// Required lists component identifiers the signature must cover, e.g.
	// "@method", "@target-uri", "authorization".
	Required []string
	// AllowMissingCreated accepts signatures without a created parameter
	// (freshness then rests on expires alone, if any).
	AllowMissingCreated bool
	// AllowUnsignedBody (VerifyRequest only) accepts a non-empty body that
	// is not protected by a covered, matching Content-Digest.
	AllowUnsignedBody bool
	// Now defaults to time.Now().
	Now time.Time
	// Tolerance is the clock skew allowed on created and expires; zero means
	// DefaultTolerance.
	Tolerance time.Duration
	// MaxAge, when positive, refuses signatures created longer ago than
	// MaxAge (ErrStale), bounding replays of signatures without expires.
	MaxAge time.Duration
}

func (o VerifyOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (o VerifyOptions) tolerance() time.Duration {
	if o.Tolerance <= 0 {
		return DefaultTolerance
	}
	return o.Tolerance
}

// Verified describes the signature that verified.
type Verified struct {
	Label      string
	KeyID      string
	Algorithm  string
	Created    time.Time // zero if absent
	Expires    time.Time // zero if absent
	Components []Component
	Base       []byte // the signature base, for diagnostics
}

// ResolveAlgorithm decides which algorithm verifies s with key: the alg
// parameter if present (it must agree with expected and fit the key), else
// expected, else the key's own algorithm.
func (s *Signature) ResolveAlgorithm(key any, expected string) (string, error) {
	alg := s.Params.Alg
	switch {
	case alg != "" && expected != "" && alg != expected:
		return "", errorf(ErrKeyMismatch, "signature uses "+alg+", expected "+expected)
	case alg == "" && expected != "":
		alg = expected
	case alg == "":
		var err error
		if alg, err = AlgorithmForKey(key); err != nil {
			return "", err
		}
	}
	if err := checkKeyFits(alg, key); err != nil {
		return "", err
	}
	return alg, nil
}

// Verify rebuilds the signature base of s over m and checks the signature
// with key and alg. It does not check time; see CheckTime.
func (s *Signature) Verify(m *Message, key any, alg string) ([]byte, error) {
	base, err := s.Base(m)
	if err != nil {
		return nil, err
	}
	if err := VerifyBase(alg, key, base, s.Value); err != nil {
		return base, err
	}
	return base, nil
}

// CheckTime applies created/expires to opts.Now with opts.Tolerance (and
// opts.MaxAge, opts.AllowMissingCreated).
func (s *Signature) CheckTime(opts VerifyOptions) error {
	now, tol := opts.now(), opts.tolerance()
	created, expires := s.Params.Created, s.Params.Expires
	if created.IsZero() && !opts.AllowMissingCreated {
		return ErrMissingCreated
	}
	if !created.IsZero() {
		if created.After(now.Add(tol)) {
			return errorf(ErrCreatedInFuture, "created "+created.UTC().Format(time.RFC3339)+" is "+created.Sub(now).Round(time.Second).String()+" ahead, beyond the "+tol.String()+" tolerance")
		}
		if opts.MaxAge > 0 && created.Before(now.Add(-opts.MaxAge)) {
			return errorf(ErrStale, "created "+created.UTC().Format(time.RFC3339)+" is "+now.Sub(created).Round(time.Second).String()+" old, beyond the "+opts.MaxAge.String()+" maximum age")
		}
	}
	if !expires.IsZero() {
		if !created.IsZero() && expires.Before(created) {
			return errorf(ErrMalformed, "expires is before created")
		}
		if expires.Before(now.Add(-tol)) {
			return errorf(ErrExpired, "expired at "+expires.UTC().Format(time.RFC3339)+", "+now.Sub(expires).Round(time.Second).String()+" ago")
		}
	}
	return nil
}

// checkRequired reports the first required component s does not cover.
func (s *Signature) checkRequired(required []string) error {
	for _, id := range required {
		if !s.Covers(id) {
			c, err := ParseComponent(id)
			if err != nil {
				return err
			}
			return componentErr(ErrNotCovered, c.String(), "")
		}
	}
	return nil
}

// VerifyMessage verifies the signatures of m against opts and returns the
// first that passes every check. When none does, the error is the one of
// the first candidate signature, wrapping one of the package's sentinels.
// Checks run in the order structure, coverage, key, signature, time: times
// are only trusted once the signature over them holds.
func VerifyMessage(m *Message, opts VerifyOptions) (*Verified, error) {
	if m == nil {
		return nil, errorf(ErrMalformed, "no message")
	}
	sigs, err := ParseSignatures(m.Header)
	if err != nil {
		return nil, err
	}
	var firstErr error
	tried := 0
	for i := range sigs {
		s := &sigs[i]
		if opts.Label != "" && s.Label != opts.Label {
			continue
		}
		if opts.KeyID != "" && s.Params.KeyID != "" && s.Params.KeyID != opts.KeyID {
			continue
		}
		tried++
		v, err := verifyOne(m, s, opts)
		if err == nil {
			return v, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if tried == 0 {
		switch {
		case opts.Label != "":
			return nil, errorf(ErrNoSignature, "no signature labelled "+quote(opts.Label))
		default:
			return nil, errorf(ErrNoSignature, "no signature with keyid "+quote(opts.KeyID))
		}
	}
	return nil, firstErr
}

func verifyOne(m *Message, s *Signature, opts VerifyOptions) (*Verified, error) {
	if err := s.checkRequired(opts.Required); err != nil {
		return nil, err
	}
	alg, err := s.ResolveAlgorithm(opts.Key, opts.Algorithm)
	if err != nil {
		return nil, err
	}
	base, err := s.Verify(m, opts.Key, alg)
	if err != nil {
		return nil, err
	}
	if err := s.CheckTime(opts); err != nil {
		return nil, err
	}
	return &Verified{
		Label: s.Label, KeyID: s.Params.KeyID, Algorithm: alg,
		Created: s.Params.Created, Expires: s.Params.Expires,
		Components: s.Components, Base: base,
	}, nil
}

// VerifyRequest verifies an incoming request whose body the caller has
// already read. A Content-Digest field, when present, must match body; a
// non-empty body must be covered by content-digest unless
// opts.AllowUnsignedBody, because a signature that leaves the body out
// authenticates nothing a webhook receiver cares about.
func VerifyRequest(r *http.Request, body []byte, opts VerifyOptions) (*Verified, error) {
	m := NewRequestMessage(r)
	if lines, ok := fieldLines(r.Header, "Content-Digest"); ok {
		if err := CheckContentDigest(strings.Join(lines, ", "), body); err != nil {
			return nil, err
		}
	} else if len(body) > 0 && !opts.AllowUnsignedBody {
		return nil, componentErr(ErrMissingComponent, `"content-digest"`, "the request has a body but no Content-Digest")
	}
	if len(body) > 0 && !opts.AllowUnsignedBody {
		opts.Required = append(append([]string(nil), opts.Required...), "content-digest")
	}
	return VerifyMessage(m, opts)
}
