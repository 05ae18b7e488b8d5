// Package offblocks adapts the webhook API of OffBlocks
// (https://docs.offblocks.xyz, "API reference / Webhooks") to hookctl's
// provider-neutral model. Its emulator for `hookctl sandbox` is a separate
// package, internal/emulator/offblocks, which shares no code with this one.
//
// Facts are tagged as in docs/providers/offblocks.md: [DOC] OffBlocks' own pages, [INF] our
// inference where they are silent (the pages on request signatures and
// webhook verification are truncated in every copy we could read).
//
// Every API call carries three layers of authentication [DOC], all applied in
// one place (Client.send) so no call can forget one:
//
//  1. Authorization: Bearer <token>, from POST /v1/auth/token with the API
//     key and secret. The token is cached in the keyring ("token") until a
//     minute before its expiresAt; a 401 drops it and logs in once more.
//  2. An HTTP Message Signature (RFC 9421, via pkg/signature/httpsig) made
//     with the profile's ECDSA P-384 key (`hookctl keys generate`, then
//     `hookctl keys upload`): label sig1, parameters created, keyid (the id
//     PUT /v1/auth/signing returned; the upload itself, which precedes any
//     id, is signed under the key's fingerprint, because a verifier built
//     on OffBlocks' library reads keyid from every signature) and
//     alg="ecdsa-p384-sha384", covering the components listed below.
//  3. Content-Digest (sha-256 by default, the default of OffBlocks' own
//     library; see DefaultDigestAlgorithm) on every body, and a fresh
//     Idempotency-Key (UUID v4) on every write.
//
// Covered components, in this order by default [INF: OffBlocks does not
// publish its list; this is everything a man in the middle could otherwise
// change]. The target is signed as @authority, @path and @query, not
// @target-uri: OffBlocks' library (github.com/OffBlocks/httpsig) takes
// @target-uri from the request as a Go server receives it, path and query
// only, so an absolute one fails there unless the server rebuilds it
// [SEC]. They, the digest algorithm and the key paths are profile
// settings (wiresettings.go), so a differing account needs no release, and
// `hookctl doctor` probes the alternatives (doctor.go):
//
//	"@method" "@authority" "@path" "@query" "authorization"   every request
//	"content-digest" "content-type"                           requests with a body
//	"idempotency-key"                                         writes (PUT, POST, DELETE)
//
// A signature OffBlocks refuses comes back 400 "invalid required
// signature" from its library; apiErr reads that as a 401 (exit 4, the
// signing key's hint).
//
// A request is signed once, before it leaves, so httpclient's automatic
// retry resends the identical bytes: same Idempotency-Key, same signature,
// same created (well inside the five-minute tolerance), and OffBlocks
// answers a retried write with the stored response instead of doing it
// twice.
//
// OffBlocks signs its webhook deliveries itself with a key of its own, so
// there is no webhook secret to store or rotate: `hookctl verify` checks a
// delivery against the verification key (GET /v1/webhooks/verification-key),
// which is cached in the keyring by its id and fetched again when a delivery
// names another one (Client.VerificationKey).
package offblocks

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Name is the provider id used in profiles.
const Name = "offblocks"

// Scheme is the delivery signature scheme `hookctl verify` uses for
// OffBlocks profiles.
const Scheme = "http-message-signatures"

// LiveBaseURL is the API host of every sample in OffBlocks' docs [DOC]. The
// /v1 version segment is part of each path, so a --base-url override stays a
// plain prefix.
const LiveBaseURL = "https://api.offblocks.xyz"

// Environments. The sandbox host is not published [UNKNOWN], so a sandbox
// profile needs --base-url.
const (
	EnvLive    = "live"
	EnvSandbox = "sandbox"
)

// FieldKeyID is the optional profile setting holding the id of an uploaded
// signing key. `hookctl keys upload` remembers the id in the keyring
// (CredSigningKeyID) instead; the setting is for keys uploaded elsewhere and
// for CI, where HOOKCTL_SIGNING_KEY carries the key and no keyring exists.
const FieldKeyID = "key-id"

// Credential names in the keyring ("<profile>/<name>").
const (
	CredAPIKey    = "api-key"    // UUID [DOC]; HOOKCTL_API_KEY overrides
	CredAPISecret = "api-secret" // HOOKCTL_API_SECRET overrides
	// CredSigningKey is the PKCS#8 PEM private key from `hookctl keys
	// generate`; HOOKCTL_SIGNING_KEY (PEM) overrides it.
	CredSigningKey = "signing-key"
	// Caches hookctl writes itself (removed by `auth logout`).
	CredToken           = "token"
	CredSigningKeyID    = "signing-key-id"
	CredVerificationKey = "verification-key"
)

// SignatureAlgorithm is the only request-signing algorithm OffBlocks
// supports [DOC].
const SignatureAlgorithm = httpsig.AlgECDSAP384SHA384

// signatureLabel is the Signature-Input label; RFC 9421's examples use sig1
// and OffBlocks does not name one [INF].
const signatureLabel = "sig1"

// RotateSecretHint is what `hookctl rotate-secret` can append to its "not
// supported by offblocks" error.
const RotateSecretHint = "OffBlocks signs deliveries with its own key pair, so there is no webhook secret to rotate: " +
	"`hookctl verify -p <profile>` checks deliveries against OffBlocks' verification key (fetched again when a delivery names a new key id). " +
	"To replace the key that signs your API requests, run `hookctl keys generate --force` and then `hookctl keys upload`."

// Events OffBlocks delivers: entity-update events listed in its webhook
// guide [DOC], which lists all five to receive "all entities' updates".
// Nothing says a webhook without types gets every type [INF], so hookctl
// never creates one: --all-events names the five.
var events = []webhook.EventType{
	{Name: "customer.updated", Description: "a customer changed (e.g. its verification status)"},
	{Name: "account.updated", Description: "a smart-contract account changed"},
	{Name: "card.updated", Description: "a card changed (issued, activated, frozen, ...)"},
	{Name: "authorisation.updated", Description: "a card authorisation was created or changed"},
	{Name: "transaction.updated", Description: "a transaction was created or changed"},
}

// eventNames are the names of events, in the guide's order.
func eventNames() []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Name
	}
	return out
}

// eventsOrigin: the guide carries no date; the list entered hookctl then [INF].
const eventsOrigin = "OffBlocks' webhook guide, as of 2026-11-23; OffBlocks has no API that lists them"

func builtInCatalogue() *webhook.EventCatalogue {
	return webhook.BuiltInCatalogue("OffBlocks' events", eventsOrigin, slices.Clone(events))
}

// Spec describes OffBlocks to the rest of hookctl.
func Spec() provider.Spec {
	return provider.Spec{
		Name:         Name,
		Title:        "OffBlocks API",
		Environments: []string{EnvLive, EnvSandbox},
		Fields: append([]provider.Field{{
			Name:     FieldKeyID,
			Usage:    "id of the uploaded request-signing key, when it was uploaded elsewhere (`hookctl keys upload` remembers it itself)",
			Validate: validateKeyID,
		}, provider.StrictEventsField()}, wireSpecFields()...),
		Credentials: []provider.Credential{
			{Name: CredAPIKey, Prompt: "OffBlocks API key (a UUID)"},
			{Name: CredAPISecret, Prompt: "OffBlocks API secret"},
			{Name: CredSigningKey, Prompt: "ECDSA P-384 private key (PEM) that signs API requests", Generated: true},
			{Name: CredToken, Cache: true},
			{Name: CredSigningKeyID, Cache: true, KeyRecord: true},
			{Name: CredVerificationKey, Cache: true},
		},
		Scheme:          Scheme,
		SecretOverlap:   0, // no webhook secrets at all
		ValidateProfile: validateProfile,
		New:             func(d provider.Deps) (webhook.Provider, error) { return New(d) },
		DoctorChecks:    DoctorChecks,
		Assumptions:     Assumptions(),
		Capabilities:    []string{"RequestChecker", "KeyRemover", "VerificationKeySource", "CredentialsProber"},
		AllEvents: provider.AllEvents{
			Sends:  fmt.Sprintf("the %d types its guide lists for all entities' updates, by name", len(events)),
			Events: eventNames(),
			Notice: fmt.Sprintf("offblocks: every event is the %d types OffBlocks documents, named one by one (%s); a type it adds later needs `hookctl update --add-event`", len(events), strings.Join(eventNames(), ", ")),
		},
	}
}

func validateProfile(p config.Profile) error {
	switch p.Environment {
	case "", EnvLive:
	case EnvSandbox:
		if p.BaseURL == "" {
			return sandboxHostError()
		}
	default:
		return webhook.Invalid("offblocks: unknown environment %q (want live or sandbox)", p.Environment)
	}
	if v := p.Setting(FieldKeyID); v != "" {
		if err := validateKeyID(v); err != nil {
			return err
		}
	}
	_, err := settingsOf(p)
	return err
}

func sandboxHostError() *webhook.Error {
	return webhook.Invalid("offblocks: the sandbox environment has no published host").
		WithHint("give the sandbox API base OffBlocks sent you with --base-url (or HOOKCTL_BASE_URL); for hookctl's own emulator, use the `profile add` line `hookctl sandbox serve` prints")
}

func validateKeyID(s string) error {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || text.IsControl(r) }) {
		return webhook.Invalid("offblocks: key-id %q must be the non-empty id OffBlocks returned for the uploaded key", s)
	}
	return nil
}

// resolveBase is the API base of a profile: the override, else the
// environment's default. A trailing /v1 is dropped, as docs/providers/offblocks.md and
// OffBlocks' docs write the base with it and the paths carry it already.
func resolveBase(p config.Profile) (string, error) {
	base := strings.TrimSuffix(strings.TrimSpace(p.BaseURL), "/")
	if base == "" {
		switch p.Environment {
		case "", EnvLive:
			base = LiveBaseURL
		case EnvSandbox:
			return "", sandboxHostError()
		default:
			return "", webhook.Invalid("offblocks: profile %s has unknown environment %q (want live or sandbox)", p.Name, p.Environment)
		}
	}
	base = strings.TrimSuffix(base, "/v1")
	if u, err := url.Parse(base); err != nil || !u.IsAbs() || u.Host == "" {
		return "", webhook.Invalid("offblocks: base URL %q must be an absolute URL such as %s", base, LiveBaseURL)
	}
	return base, nil
}

// validateCallbackURL enforces what hookctl asks of a callback before any
// request: an absolute URI [DOC: callbackUrl is a uri], https [INF: the
// docs do not require it; deliveries carry account data], with plain http
// allowed for loopback, so a local `hookctl verify listen` can receive
// sandbox deliveries, and everywhere with allowHTTP
// (FieldAllowHTTPCallbacks).
func validateCallbackURL(s string, allowHTTP bool) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return webhook.Invalid("offblocks: --url %q must be an absolute https URL, e.g. https://hooks.example.com/offblocks", s)
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return webhook.Invalid("offblocks: --url %q must not contain spaces", s)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (allowHTTP || httpclient.IsLoopback(u.Hostname())):
	default:
		return webhook.Invalid("offblocks: --url %q must use https (plain http only for localhost, or with the profile setting %s)", s, FieldAllowHTTPCallbacks)
	}
	if u.User != nil {
		return webhook.Invalid("offblocks: --url must not carry credentials (user:password@)")
	}
	return nil
}

// validateEvents drops duplicates. A type missing from the guide's list
// is not refused here: the list may be incomplete, so the command warns
// (webhook.EventChecker) and OffBlocks decides.
func validateEvents(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, e := range in {
		if strings.TrimSpace(e) == "" {
			return nil, webhook.Invalid("offblocks: an empty event type was given")
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// RotateSecretHint tells `hookctl rotate-secret` what to say instead.
func (c *Client) RotateSecretHint() string { return RotateSecretHint }
