package webhook

import (
	"errors"
	"fmt"
	"time"
)

// Exit codes of docs/architecture.md. cmd.Main maps errors to these in one place.
const (
	ExitOK           = 0
	ExitError        = 1
	ExitUsage        = 2
	ExitVerifyFailed = 3
	ExitAuth         = 4
	ExitNotFound     = 5
	ExitPartial      = 6
	ExitRateLimited  = 7
	// ExitChanges is `diff --exit-code` finding changes to make (like
	// `git diff --exit-code`, but 8 so it never reads as an error code).
	ExitChanges = 8
	// ExitCancelled: the user declined a confirmation; nothing changed.
	ExitCancelled = 9
	// ExitInterrupted is 128 + SIGINT, as shells report a command ended by Ctrl-C.
	ExitInterrupted = 130
)

// Kind classifies an error for exit codes and JSON error codes.
type Kind int

const (
	KindError Kind = iota
	KindUsage
	KindVerify
	KindAuth
	KindNotFound
	KindPartial
	KindRateLimited
	KindCancelled
	// KindNetwork: no answer from the provider (DNS, refused, TLS,
	// timeout); exit 1 like any other error, its own JSON code.
	KindNetwork
	// KindStorage: the credential store cannot be used (no keyring
	// reachable, a secret db or data key that cannot be opened) where
	// hookctl must keep or read something of its own, such as a webhook
	// secret; exit 1 like any other error, its own JSON code. Missing or
	// refused login credentials are KindAuth, and so is a login
	// credential held in a keyring that cannot be read.
	KindStorage
	// KindChanges is not a failure: `diff --exit-code` found changes.
	KindChanges
)

var kindInfo = map[Kind]struct {
	code int
	name string
}{
	KindError:       {ExitError, "error"},
	KindUsage:       {ExitUsage, "usage"},
	KindVerify:      {ExitVerifyFailed, "verification_failed"},
	KindAuth:        {ExitAuth, "not_authenticated"},
	KindNotFound:    {ExitNotFound, "not_found"},
	KindPartial:     {ExitPartial, "partial_failure"},
	KindRateLimited: {ExitRateLimited, "rate_limited"},
	KindCancelled:   {ExitCancelled, "cancelled"},
	KindNetwork:     {ExitError, "network"},
	KindStorage:     {ExitError, "storage_unavailable"},
	KindChanges:     {ExitChanges, "changes"},
}

// ExitCode is the process exit code for a kind.
func (k Kind) ExitCode() int { return kindInfo[k].code }

// String is the stable JSON error code for a kind.
func (k Kind) String() string { return kindInfo[k].name }

// Error is a typed error carrying its kind and an optional hint that tells
// the user what to do next.
type Error struct {
	Kind Kind
	Msg  string
	Hint string
	// Status is the provider's HTTP status, 0 when there was no response.
	Status int
	// RetryAfter is set on rate-limit errors when the provider said so.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Hint != "" {
		msg += "\n" + e.Hint
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf finds the kind of err, KindError when untyped.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindError
}

// HintOf is the hint of the outermost *Error in err's chain that has one,
// "" when none has: a typed error wrapped in another keeps telling the
// user what to do.
func HintOf(err error) string {
	for err != nil {
		if e, ok := err.(*Error); ok && e.Hint != "" {
			return e.Hint
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if h := HintOf(e); h != "" {
					return h
				}
			}
			return ""
		default:
			return ""
		}
	}
	return ""
}

// Errorf builds a typed error.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// WithHint returns e with a hint attached.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// Unsupported is the error for a feature a provider lacks (exit 2).
func Unsupported(provider, feature string) *Error {
	return Errorf(KindUsage, "%s is not supported by %s", feature, provider)
}

// NotFound is the error for a missing registration (exit 5).
func NotFound(provider, id string) *Error {
	return Errorf(KindNotFound, "%s: registration %q not found", provider, id)
}

// Invalid is a client-side validation error (exit 2) raised before any request.
func Invalid(format string, args ...any) *Error {
	return Errorf(KindUsage, format, args...)
}
