// Package emulator is the contract and shared kit of the provider
// emulators that `hookctl sandbox` serves. Each provider's emulator lives in
// its own package, internal/emulator/<provider>, written from docs/providers/<provider>.md
// and the official specs with its own wire types and rules: it imports no
// client package (pkg/providers/..., pkg/webhook, pkg/config,
// pkg/credentials), and no client imports it, so a client bug cannot hide in
// code the emulator shares (the root architecture_test.go enforces both directions).
//
// What emulators may share: this kit and internal/emulator/idempotency.
// pkg/signature/httpsig (RFC 9421, pinned by the RFC's own test vectors)
// only to sign their own deliveries: an emulator verifies the requests it
// receives with its own code, since the client signs them with httpsig and
// a mistake in it would pass on both sides. Not pkg/httpclient, which
// speaks the API layer's errors: the sandbox host (internal/sandbox) passes the
// client deliveries go out with.
package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"
)

// Options configures an emulator.
type Options struct {
	// BaseURL is the emulator's external URL, e.g. http://127.0.0.1:8787/solvimon.
	BaseURL string
	Now     func() time.Time
	// HTTP sends deliveries.
	HTTP *http.Client
}

// Emulator is a provider's emulator, mounted by internal/sandbox under
// /<provider>/ with the prefix stripped.
type Emulator interface {
	http.Handler
	// State and LoadState persist the emulator's data (sandbox serve --state).
	State() (json.RawMessage, error)
	LoadState(json.RawMessage) error
	// Delivery builds a correctly signed delivery of event for registration
	// id, addressed to the registration's URL.
	Delivery(ctx context.Context, id, event string) (*http.Request, error)
	// ProfileArgs are the `hookctl profile add <name>` arguments after the
	// name that point a profile at this emulator.
	ProfileArgs() []string
}

// Quirker is implemented by emulators that can behave as an account whose
// undocumented wire details (a path, the covered components of a
// signature) differ from the emulator's defaults, which are hookctl's
// inferences: internal/sandbox sets them with PUT /_sandbox/quirks, so the
// probes of `hookctl doctor` can be shown to find the account's values.
type Quirker interface {
	// SetQuirks replaces the emulator's quirks (name → value); an empty
	// map restores the defaults. An unknown name or a bad value is an
	// error, and leaves the quirks as they were.
	SetQuirks(map[string]string) error
}

// Sender is implemented by emulators whose provider keeps a delivery log
// (Solvimon's webhook events, PwC's subscription history): the sandbox asks
// them to send a delivery themselves, as the provider would, so that the
// attempt lands in the log that the log and resend endpoints serve.
type Sender interface {
	// Send builds a signed delivery of event for registration id, POSTs it
	// to to (the registration's URL when empty) and records the attempt.
	// An endpoint that fails is a Sent with Error, not an error: err is for
	// a delivery that could not be built (unknown id or event).
	Send(ctx context.Context, id, event, to string) (Sent, error)
}

// Sent is the outcome of a delivery an emulator sent.
type Sent struct {
	URL string `json:"url"`
	// Status is the endpoint's HTTP status, 0 when it never answered.
	Status int `json:"status"`
	// Error says why the delivery failed ("" on a 2xx).
	Error string `json:"error,omitempty"`
	// DeliveryID is the id under which the provider logged the attempt.
	DeliveryID string `json:"delivery_id,omitempty"`
}

// Demo scripts a provider's sandbox tour: profile add → Setup → register →
// list → update → rotate-secret (if Rotate) → deliver → verify → delete.
type Demo struct {
	// Env are the sandbox credentials as the env variables CI would use.
	Env map[string]string
	// Setup are commands run after `profile add` (e.g. keys generate/upload).
	Setup [][]string
	// Register are the `hookctl register` arguments.
	Register []string
	// UpdateURL is the URL `update` moves the registration to.
	UpdateURL string
	// Event is the event `sandbox deliver` sends.
	Event string
	// Rotate includes rotate-secret in the tour.
	Rotate bool
}

// Entry is one provider's emulator as internal/sandbox registers it.
type Entry struct {
	Name string // the provider id: the mount point and the profile's provider
	New  func(Options) Emulator
	// Demo is this provider's part of `hookctl sandbox demo` (nil: skipped).
	Demo *Demo
	// Help describes the emulator's fixed credentials for `sandbox --help`,
	// one or more lines without the provider id.
	Help string
	// CredentialsQuirk is a quirk (Quirker) under which logging in fails
	// for a wire detail the client's webhook.CredentialsProber can find;
	// nil for a provider whose client is no CredentialsProber. The
	// conformance suite (internal/testkit/conformance) sets it and expects
	// the probe to find a setting that works.
	CredentialsQuirk map[string]string
}

// WriteJSON writes v as a JSON answer with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// RandomHex returns n random bytes, hex-encoded.
func RandomHex(n int) string { return hex.EncodeToString(RandomBytes(n)) }

// RandomBytes returns n bytes from crypto/rand (which does not fail).
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
