package offblocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// OffBlocks' own doctor checks.
const (
	// CheckSigningKey: the request-signing key is there, uploaded (its
	// key id known), and OffBlocks accepts requests signed with it over
	// the profile's covered components.
	CheckSigningKey = "signing-key"
	// CheckContentDigest: OffBlocks accepts a body's Content-Digest in
	// the profile's algorithm.
	CheckContentDigest = "content-digest"
	// CheckVerificationKey: the delivery verification key can be fetched
	// from the API now (not from the keyring's cache) and read.
	CheckVerificationKey = "verification-key"
)

// DoctorChecks are the checks Client.Checks reports, in order.
var DoctorChecks = []string{CheckSigningKey, CheckContentDigest, webhook.CheckReadPath, CheckVerificationKey}

// ComponentCandidates are the covered-component sets doctor tries, in
// order, when OffBlocks refuses requests signed over the profile's: what
// a server built on OffBlocks' library accepts however it rebuilds the
// URL, the absolute target URI (hookctl's first inference), and the path
// alone. Headers are covered only on requests that carry them.
var ComponentCandidates = [][]string{
	{httpsig.CompMethod, httpsig.CompAuthority, httpsig.CompPath, httpsig.CompQuery, "authorization", "content-digest", "content-type", "idempotency-key"},
	{httpsig.CompMethod, httpsig.CompTargetURI, "authorization", "content-digest", "content-type", "idempotency-key"},
	{httpsig.CompMethod, httpsig.CompPath, "authorization", "content-digest", "content-type", "idempotency-key"},
}

// VerificationKeyCandidates are the paths doctor tries, in order, when
// the profile's verification-key path is not an endpoint: OffBlocks
// names the operation ("Retrieve Webhook Verification Key") but not its
// path.
var VerificationKeyCandidates = []string{DefaultVerificationKeyPath, "/v1/webhooks/verification-keys", "/v1/webhooks/key", "/v1/verification-key", "/v1/webhooks/public-key"}

var _ webhook.Doctor = (*Client)(nil)

// Checks are OffBlocks' own doctor checks.
func (c *Client) Checks(ctx context.Context, env webhook.DoctorEnv) []webhook.Check {
	return []webhook.Check{
		c.checkSigningKey(ctx, env),
		c.checkDigest(ctx, env),
		webhook.ReadCheck(ctx, env, "GET /v1/webhooks/{webhookId}", c.Get),
		c.checkVerificationKey(ctx),
	}
}

// withWire is a client of the same profile, session and key that sends
// with the wire settings w: a probe of another value.
func (c *Client) withWire(w wireSettings) *Client {
	return &Client{profile: c.profile, base: c.base, http: c.http, creds: c.creds, errOut: c.errOut, now: c.now,
		session: c.session, wire: w}
}

// probeList is one signed GET /v1/webhooks by alt, with body (nil: none).
func probeList(ctx context.Context, alt *Client, s signer, body any) error {
	var raw json.RawMessage
	return alt.send(ctx, s, http.MethodGet, "/v1/webhooks", body, &raw)
}

// refusedFor: OffBlocks refused the request and its words name what
// (e.g. "signature", "digest"). OffBlocks' library answers a bad
// signature 400 "invalid required signature"; a 401 after a fresh token
// is the signature too.
func refusedFor(err error, word string) bool {
	var we *webhook.Error
	if !errors.As(err, &we) {
		return false
	}
	mentions := strings.Contains(strings.ToLower(we.Msg), word)
	switch we.Status {
	case http.StatusBadRequest:
		return mentions
	case http.StatusUnauthorized, http.StatusForbidden:
		return mentions || word == "signature"
	}
	return false
}

func (c *Client) checkSigningKey(ctx context.Context, env webhook.DoctorEnv) webhook.Check {
	s, err := c.requestSigner()
	if err != nil {
		return webhook.Failed(CheckSigningKey, err, "")
	}
	fp, err := fingerprint(&s.key.PublicKey)
	if err != nil {
		return webhook.Failed(CheckSigningKey, err, "")
	}
	covering := strings.Join(c.wire.requestComponents(false, false, true), " ")
	if env.ListErr == nil {
		return webhook.Passed(CheckSigningKey, "OffBlocks accepted a request signed with key %s (id %s, %s, covering %s)",
			fp, text.Printable(s.keyID), SignatureAlgorithm, covering)
	}
	failed := webhook.Failed(CheckSigningKey, fmt.Errorf("a request signed with key %s (id %s, covering %s) was refused: %w", fp, text.Printable(s.keyID), covering, env.ListErr), "")
	if !refusedFor(env.ListErr, "signature") {
		return failed
	}
	var probes []webhook.Probe
	for _, cand := range ComponentCandidates {
		if slices.Equal(cand, c.wire.components) {
			continue
		}
		w := c.wire
		w.components = cand
		alt := c.withWire(w)
		probes = append(probes, webhook.Probe{
			Settings: map[string]string{FieldSignedComponents: strings.Join(cand, ",")},
			Label:    "signing over " + strings.Join(w.requestComponents(false, false, true), " ") + " (GET /v1/webhooks)",
			Try:      func(ctx context.Context) error { return probeList(ctx, alt, s, nil) },
		})
	}
	return webhook.RunProbes(ctx, failed, c.profile.Name, FieldSignedComponents, probes)
}

// digestProbeBody is the body of the digest probe: a GET carries it, so
// nothing is written whatever OffBlocks makes of it.
var digestProbeBody = map[string]string{}

// checkDigest sends a signed GET /v1/webhooks with a body, so that it
// carries a Content-Digest in the profile's algorithm: reads have no
// body, and a write would change something. A server that ignores the
// body of a GET accepts any algorithm, which the detail says.
func (c *Client) checkDigest(ctx context.Context, env webhook.DoctorEnv) webhook.Check {
	if env.ListErr != nil {
		return webhook.Skipped(CheckContentDigest, "not checked: OffBlocks refused the list, so a digest probe would show nothing")
	}
	s, err := c.requestSigner()
	if err != nil {
		return webhook.Skipped(CheckContentDigest, "not checked: no usable signing key")
	}
	err = probeList(ctx, c, s, digestProbeBody)
	if err == nil {
		return webhook.Passed(CheckContentDigest, "OffBlocks accepted a signed GET /v1/webhooks with a body and Content-Digest %s (a server that ignores a GET's body accepts any algorithm)", c.wire.digest)
	}
	if !refusedFor(err, "digest") {
		return webhook.Check{Name: CheckContentDigest, Status: webhook.CheckWarn,
			Detail: fmt.Sprintf("not confirmed: a signed GET /v1/webhooks with a body and Content-Digest %s was refused, not for its digest: %s", c.wire.digest, firstLine(err))}
	}
	failed := webhook.Failed(CheckContentDigest, fmt.Errorf("Content-Digest %s refused: %w", c.wire.digest, err), "")
	return webhook.RunProbes(ctx, failed, c.profile.Name, FieldDigestAlgorithm, c.digestProbes(func(ctx context.Context, alt *Client) error {
		return probeList(ctx, alt, s, digestProbeBody)
	}, "a signed GET /v1/webhooks with a body"))
}

var _ webhook.CredentialsProber = (*Client)(nil)

// ProbeCredentials: a login refused for its Content-Digest (the token
// request is the first body hookctl sends) is tried once with the other
// algorithm. Logging in changes nothing at OffBlocks.
func (c *Client) ProbeCredentials(ctx context.Context, failed webhook.Check, err error) webhook.Check {
	if !refusedFor(err, "digest") {
		return failed
	}
	l, lerr := c.apiLogin()
	if lerr != nil {
		return failed
	}
	return webhook.RunProbes(ctx, failed, c.profile.Name, FieldDigestAlgorithm, c.digestProbes(func(ctx context.Context, alt *Client) error {
		_, err := alt.login(ctx, l)
		return err
	}, "POST /v1/auth/token"))
}

// digestProbes run try with a client of each other digest algorithm.
func (c *Client) digestProbes(try func(context.Context, *Client) error, what string) []webhook.Probe {
	var probes []webhook.Probe
	for _, alg := range []string{httpsig.DigestSHA256, httpsig.DigestSHA512} {
		if alg == c.wire.digest {
			continue
		}
		w := c.wire
		w.digest = alg
		alt := c.withWire(w)
		probes = append(probes, webhook.Probe{
			Settings: map[string]string{FieldDigestAlgorithm: alg},
			Label:    "Content-Digest " + alg + " (" + what + ")",
			Try:      func(ctx context.Context) error { return try(ctx, alt) },
		})
	}
	return probes
}

// readVerificationKey fetches and reads the key at path.
func (c *Client) readVerificationKey(ctx context.Context, path string) (verificationKey, error) {
	var vk verificationKey
	if err := c.call(ctx, http.MethodGet, path, nil, &vk); err != nil {
		return vk, fmt.Errorf("GET %s: %w", path, err)
	}
	if vk.ID == "" || vk.Key == "" {
		return vk, fmt.Errorf("GET %s answered without id or key", path)
	}
	if _, err := httpsig.ParsePublicKey([]byte(vk.Key)); err != nil {
		return vk, fmt.Errorf("GET %s: key %s cannot be read: %w", path, text.Printable(vk.ID), err)
	}
	return vk, nil
}

// checkVerificationKey fetches the key itself: the cached copy `verify`
// uses says nothing about whether the path still answers.
func (c *Client) checkVerificationKey(ctx context.Context) webhook.Check {
	path := c.wire.verificationKeyPath
	vk, err := c.readVerificationKey(ctx, path)
	if err == nil {
		return webhook.Passed(CheckVerificationKey, "GET %s answers key %s", path, text.Printable(vk.ID))
	}
	var we *webhook.Error
	if !errors.As(err, &we) {
		// It answered, in a shape hookctl cannot read.
		return webhook.Failed(CheckVerificationKey, err,
			"hookctl expects {id, key} with the key as base64 of a PEM or DER public key, as OffBlocks documents; report the answer's shape (--debug) to the hookctl maintainers")
	}
	failed := webhook.Failed(CheckVerificationKey, err,
		"hookctl's verification-key path is inferred (OffBlocks' page does not show it); ask OffBlocks for the path of \"Retrieve Webhook Verification Key\"")
	switch we.Status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
	default:
		return failed
	}
	var probes []webhook.Probe
	for _, alt := range VerificationKeyCandidates {
		if alt == path {
			continue
		}
		probes = append(probes, webhook.Probe{
			Settings: map[string]string{FieldVerificationKeyPath: alt},
			Label:    "GET " + alt,
			Try:      func(ctx context.Context) error { _, err := c.readVerificationKey(ctx, alt); return err },
		})
	}
	return webhook.RunProbes(ctx, failed, c.profile.Name, FieldVerificationKeyPath, probes)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
