package httpsig

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can map failures to exit codes or HTTP statuses with
// errors.Is, and still print the wrapped detail to a person.
var (
	// ErrNoSignature: the message carries no Signature-Input/Signature pair
	// (or none with the requested label or key id).
	ErrNoSignature = errors.New("no HTTP message signature")
	// ErrMalformed: Signature-Input, Signature or a component identifier
	// cannot be parsed, or violates RFC 9421 (duplicate components,
	// unknown component parameters, ...).
	ErrMalformed = errors.New("malformed HTTP message signature")
	// ErrMissingComponent: a covered component cannot be derived from the
	// message (header absent, dictionary key absent, no query parameter...).
	ErrMissingComponent = errors.New("covered component missing from the message")
	// ErrNotCovered: the verifier requires a component the signature does
	// not cover.
	ErrNotCovered = errors.New("required component not covered by the signature")
	// ErrSignatureMismatch: the signature does not verify over the
	// reconstructed signature base with the given key.
	ErrSignatureMismatch = errors.New("signature does not match")
	// ErrExpired: the signature's expires parameter is in the past.
	ErrExpired = errors.New("signature expired")
	// ErrStale: the signature's created time is older than the verifier's
	// maximum age.
	ErrStale = errors.New("signature too old")
	// ErrCreatedInFuture: created lies beyond now plus the clock tolerance.
	ErrCreatedInFuture = errors.New("signature created in the future")
	// ErrMissingCreated: the verifier requires a created parameter and the
	// signature has none.
	ErrMissingCreated = errors.New("signature has no created parameter")
	// ErrUnsupportedAlgorithm: the alg parameter or the key type names an
	// algorithm this package does not implement.
	ErrUnsupportedAlgorithm = errors.New("unsupported signature algorithm")
	// ErrKeyMismatch: the key cannot be used with the signature's algorithm
	// or key id.
	ErrKeyMismatch = errors.New("key does not fit the signature")
	// ErrDigestMismatch: Content-Digest does not match the body.
	ErrDigestMismatch = errors.New("content digest does not match the body")
	// ErrUnsupportedDigest: Content-Digest names only algorithms this package
	// does not implement, so the body cannot be checked.
	ErrUnsupportedDigest = errors.New("no supported content digest algorithm")
	// ErrInvalidKey: key material cannot be parsed.
	ErrInvalidKey = errors.New("invalid key")
)

// ComponentError names the covered component a failure is about, so the
// sandbox and the CLI can say which header or derived component was at fault.
type ComponentError struct {
	Component string // serialised component identifier, e.g. "content-digest" or "@query-param";name="Pet"
	Detail    string // optional extra explanation
	Err       error  // one of the sentinel errors
}

func (e *ComponentError) Error() string {
	s := e.Err.Error() + ": " + e.Component
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *ComponentError) Unwrap() error { return e.Err }

// detailError wraps a sentinel with a human explanation without fmt, so the
// message reads "<sentinel>: <detail>" and errors.Is still works.
type detailError struct {
	err    error
	detail string
}

func (e *detailError) Error() string { return e.err.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.err }

func errorf(sentinel error, detail string) error {
	return &detailError{err: sentinel, detail: detail}
}

func componentErr(sentinel error, id, detail string) error {
	return &ComponentError{Component: id, Detail: detail, Err: sentinel}
}

func quote(s string) string { return strconv.Quote(s) }
