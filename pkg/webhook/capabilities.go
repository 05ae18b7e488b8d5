package webhook

import (
	"context"
	"net/http"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
)

// The optional capabilities of a provider, all in one place. A command
// discovers one with a type assertion on its Provider and, when it is
// missing, answers Unsupported (exit 2) naming the provider. A provider
// package declares what it implements with `var _ webhook.X = (*Client)(nil)`.

// Capability is one optional capability as users see it: a stable name
// (`hookctl profile show`'s "capabilities"), what it makes work, and
// whether a provider has it.
type Capability struct {
	Name    string
	Enables string
	Has     func(Provider) bool
}

// AllCapabilities are the capabilities `hookctl profile show` lists, in
// its order: the ones a user can act on (internal ones such as
// RequestChecker or Reconciler are left out).
var AllCapabilities = []Capability{
	{"rotate", "rotate-secret", has[SecretRotator]},
	{"revoke-previous", "secrets revoke-previous", has[PreviousSecretRevoker]},
	{"send-test", "send-test", has[Tester]},
	{"test-connection", "register --test-first", has[ConnectionTester]},
	{"penalty-box", "penalty-box list and resend", has[PenaltyBox]},
	{"deliveries", "deliveries list", has[DeliveryLog]},
	{"resend", "deliveries resend", has[DeliveryResender]},
	{"ping", "ping: a signed sample delivery", has[SampleDeliverer]},
	{"keys", "keys generate and show", has[KeyManager]},
	{"key-upload", "keys upload", has[KeyUploader]},
	{"key-remove", "keys remove", has[KeyRemover]},
	{"verification-key", "keys verification-key; verify with the provider's key", has[VerificationKeySource]},
	{"event-catalogue", "event names checked by register and update", has[EventChecker]},
	{"find-by-event", "list --event asked of the provider", has[EventLister]},
}

// Capabilities names what p can do of AllCapabilities, in their order.
func Capabilities(p Provider) []string {
	out := []string{}
	for _, c := range AllCapabilities {
		if c.Has(p) {
			out = append(out, c.Name)
		}
	}
	return out
}

func has[T any](p Provider) bool {
	_, ok := p.(T)
	return ok
}

// SecretRotator is implemented by providers that can rotate secrets.
type SecretRotator interface {
	RotationPolicy() RotationPolicy
	RotateSecret(ctx context.Context, id string, req RotateRequest) (*Rotation, error)
}

// EventLister is implemented by providers that find the registrations of
// one event on the server (PwC's find): `list --event` asks it instead of
// reading every registration and filtering.
type EventLister interface {
	ListEvent(ctx context.Context, event string) ([]Registration, error)
}

// RequestChecker is implemented by providers that check requests against
// their rules before sending them: CheckCreate and CheckUpdate run the
// checks Register and Update make before their first request, and return
// the same error, without sending or printing anything. Checks that need
// the registration read first (Update's merge with the current state) are
// left to Update. `hookctl diff` and `apply` check a manifest's changes
// with them, so the three refuse a bad manifest alike, before any write.
type RequestChecker interface {
	CheckCreate(req CreateRequest) error
	CheckUpdate(req UpdateRequest) error
}

// RotationChecker is implemented by providers whose rotation needs more
// than the registration's id (PwC: its current secret, as proof of
// ownership). CheckRotate says, without a request, why RotateSecret would
// refuse reg when req carries what the caller holds, or nil: the rotation
// engine asks before it writes anything, and a dry run reports the answer
// as what the real run would do.
type RotationChecker interface {
	CheckRotate(reg *Registration, req RotateRequest) error
}

// EventChecker is implemented by providers that publish their event names
// (PEXA, Solvimon, OffBlocks): register and update check the names given
// against the catalogue it returns, warning about those it lacks, or
// refusing them with --strict-events. names are the ones to check, so a
// provider may read its live list only when its built-in one lacks one.
type EventChecker interface {
	EventsToCheck(ctx context.Context, names []string) (*EventCatalogue, error)
}

// Tester sends a test delivery (Solvimon send-test).
type Tester interface {
	SendTest(ctx context.Context, id string) (string, error)
}

// PenaltyBox is implemented by providers that park failing endpoints
// (Solvimon): resend pushes the parked payload now.
type PenaltyBox interface {
	ResendPenaltyBox(ctx context.Context, id string) (string, error)
}

// Authenticator is implemented by providers that trade login credentials
// for an access token (PEXA, OffBlocks, PwC). Authenticate obtains a new
// token with the credentials in effect, never a cached one, and keeps it
// for the calls that follow: a cached token says nothing about whether
// today's credentials work. Missing or refused credentials are KindAuth.
type Authenticator interface {
	Authenticate(ctx context.Context) error
}

// Reconciler is implemented by providers that can tell, after a crash or an
// ambiguous answer, whether a client-chosen secret (PwC) took effect.
type Reconciler interface {
	Reconcile(ctx context.Context, id, pending string) (newSecret string, confirmed bool, err error)
}

// KeyManager is implemented by providers that need a client key pair
// (OffBlocks request signing, PwC secret encryption). The private key goes
// to the keyring and is never printed.
type KeyManager interface {
	// GenerateKey creates and stores a new key pair; it refuses to replace an
	// existing one unless force.
	GenerateKey(ctx context.Context, force bool) (*PublicKeyInfo, error)
	PublicKey(ctx context.Context) (*PublicKeyInfo, error)
}

// KeyUploader is implemented by providers where the public key is
// registered through the API (OffBlocks PUT /v1/auth/signing).
type KeyUploader interface {
	UploadKey(ctx context.Context) (*PublicKeyInfo, error)
}

// KeyRemover is implemented by providers where the registered public key
// can be removed through the API (OffBlocks DELETE /v1/auth/signing): the
// key stops authenticating requests at once.
type KeyRemover interface {
	RemoveKey(ctx context.Context) error
}

// PublicKeyInfo describes a client key pair's public half (`hookctl keys show`).
type PublicKeyInfo struct {
	Algorithm string            `json:"algorithm" yaml:"algorithm"`
	PEM       string            `json:"pem" yaml:"pem"`
	Base64    string            `json:"base64" yaml:"base64"` // base64 of the PEM, as OffBlocks uploads it
	KeyID     string            `json:"key_id,omitempty" yaml:"key_id,omitempty"`
	Extra     map[string]string `json:"extra,omitempty" yaml:"extra,omitempty"` // e.g. PwC's RSAKeyValue XML
}

// VerificationKeySource is implemented by providers that sign deliveries
// with their own key pair and serve the public half (OffBlocks): verify
// checks deliveries with these keys instead of stored webhook secrets, and
// no registration hands out a secret to keep.
type VerificationKeySource interface {
	// VerificationKeys are the keys verify checks with: the stored ones,
	// fetched first when none is stored.
	VerificationKeys(ctx context.Context) ([]signature.Key, error)
	// VerificationKey fetches the key with id ("" for the current one)
	// and stores it.
	VerificationKey(ctx context.Context, keyID string) (signature.Key, error)
}

// RotateSecretHinter is implemented by providers without webhook secrets:
// the hint says what `rotate-secret` should point at instead.
type RotateSecretHinter interface {
	RotateSecretHint() string
}

// Doctor is implemented by providers with checks of their own: each read
// path the profile relies on, a verification key, the scopes a token may
// carry. Checks change nothing at the provider. Each returned name must be
// one the provider's Spec.DoctorChecks declares.
type Doctor interface {
	Checks(ctx context.Context, env DoctorEnv) []Check
}

// CredentialsProber is implemented by providers whose credentials check
// can fail for an inferred wire fact rather than the credentials (the
// OffBlocks login carries a Content-Digest in an inferred algorithm):
// ProbeCredentials gets the failed check and its error, and returns the
// check with what read-only probes of the alternatives found
// (RunProbes), or unchanged.
type CredentialsProber interface {
	ProbeCredentials(ctx context.Context, c Check, err error) Check
}

// ConnectionTester is implemented by providers that can try an endpoint
// before a registration exists (Solvimon test-connection): `register
// --test-first` asks it and creates nothing when the endpoint fails. The
// message is the provider's answer; a failed test is an error carrying it.
type ConnectionTester interface {
	TestConnection(ctx context.Context, req CreateRequest) (string, error)
}

// PreviousSecretRevoker is implemented by providers that can stop signing
// with the previous secret before the rotation overlap ends (Solvimon
// DELETE .../secret-key). It returns the registration as the provider
// reports it afterwards: Secret and PreviousSecret are what signs now, so
// the caller's secret store can mirror them (a provider may roll the
// current secret as part of the removal).
type PreviousSecretRevoker interface {
	RevokePreviousSecret(ctx context.Context, id string) (*Registration, error)
}

// CurrentSecretProver is implemented by providers whose changes prove
// ownership with the registration's current secret (PwC's update, delete
// and rotation). UseCurrentSecret gives that secret for this client's
// calls on id, ahead of any stored one, without storing it: for a
// registration whose secret hookctl does not hold (--current-secret-file).
type CurrentSecretProver interface {
	UseCurrentSecret(id, secret string)
}

// DeliveryLog is implemented by providers that expose their delivery
// attempts (PwC's subscription history, Solvimon's webhook events). id ""
// reads the whole profile's log where the provider can (Solvimon); a
// provider that reads per registration answers Invalid for it.
type DeliveryLog interface {
	Deliveries(ctx context.Context, id string, q DeliveryQuery) ([]Delivery, error)
}

// DeliveryResender is implemented by providers that can send a logged
// delivery again (Solvimon POST /webhook-events/{id}/resend). It returns
// the delivery with the resend's outcome; an endpoint that fails again is
// the delivery with Status failed and no error.
type DeliveryResender interface {
	ResendDelivery(ctx context.Context, deliveryID string) (*Delivery, error)
}

// DeliveryHinter is implemented by providers without a delivery log, or
// with one but no resend: the hint names what their API is missing, for
// the log (resend false) or for resending.
type DeliveryHinter interface {
	DeliveryHint(resend bool) string
}

// SampleDeliverer is implemented by providers whose deliveries hookctl can
// sign as the provider does, with a secret it holds (the HMAC schemes):
// `ping` builds a sample delivery of event for reg in the provider's
// documented envelope, with the provider's headers except the signature,
// which the profile's pkg/signature scheme adds.
type SampleDeliverer interface {
	SampleDelivery(reg *Registration, event string, now time.Time) (body []byte, header http.Header, err error)
}
