package offblocks

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/hookctl/hookctl/internal/text"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// OffBlocks' own doctor checks.
const (
	// CheckSigningKey: the request-signing key is there, uploaded (its
	// key id known), and OffBlocks accepts requests signed with it.
	CheckSigningKey = "signing-key"
	// CheckVerificationKey: the delivery verification key can be fetched
	// from the API now (not from the keyring's cache) and read.
	CheckVerificationKey = "verification-key"
)

// DoctorChecks are the checks Client.Checks reports, in order.
var DoctorChecks = []string{CheckSigningKey, webhook.CheckReadPath, CheckVerificationKey}

var _ webhook.Doctor = (*Client)(nil)

// Checks are OffBlocks' own doctor checks.
func (c *Client) Checks(ctx context.Context, env webhook.DoctorEnv) []webhook.Check {
	return []webhook.Check{
		c.checkSigningKey(env),
		webhook.ReadCheck(ctx, env, "GET /v1/webhooks/{webhookId}", c.Get),
		c.checkVerificationKey(ctx),
	}
}

func (c *Client) checkSigningKey(env webhook.DoctorEnv) webhook.Check {
	s, err := c.requestSigner()
	if err != nil {
		return webhook.Failed(CheckSigningKey, err, "")
	}
	fp, err := fingerprint(&s.key.PublicKey)
	if err != nil {
		return webhook.Failed(CheckSigningKey, err, "")
	}
	if env.ListErr != nil {
		return webhook.Failed(CheckSigningKey, fmt.Errorf("a request signed with key %s (id %s) was refused: %w", fp, text.Printable(s.keyID), env.ListErr), "")
	}
	return webhook.Passed(CheckSigningKey, "OffBlocks accepted a request signed with key %s (id %s, %s, covering %s)",
		fp, text.Printable(s.keyID), SignatureAlgorithm, strings.Join([]string{httpsig.CompMethod, httpsig.CompTargetURI, "authorization"}, " "))
}

// checkVerificationKey fetches the key itself: the cached copy `verify`
// uses says nothing about whether the path still answers.
func (c *Client) checkVerificationKey(ctx context.Context) webhook.Check {
	var vk verificationKey
	if err := c.call(ctx, http.MethodGet, c.wire.verificationKeyPath, nil, &vk); err != nil {
		return webhook.Failed(CheckVerificationKey, fmt.Errorf("GET %s: %w", c.wire.verificationKeyPath, err),
			"hookctl's verification-key path is inferred (OffBlocks' page does not show it); ask OffBlocks for the path of \"Retrieve Webhook Verification Key\"")
	}
	if vk.ID == "" || vk.Key == "" {
		return webhook.Check{Name: CheckVerificationKey, Status: webhook.CheckFail,
			Detail: fmt.Sprintf("GET %s answered without id or key", c.wire.verificationKeyPath),
			Fix:    "hookctl expects {id, key} as OffBlocks documents; report the answer's shape (--debug) to the hookctl maintainers"}
	}
	if _, err := httpsig.ParsePublicKey([]byte(vk.Key)); err != nil {
		return webhook.Failed(CheckVerificationKey, fmt.Errorf("GET %s: key %s cannot be read: %w", c.wire.verificationKeyPath, text.Printable(vk.ID), err),
			"hookctl reads the key as base64 of a PEM or DER public key; report its form (--debug) to the hookctl maintainers")
	}
	return webhook.Passed(CheckVerificationKey, "GET %s answers key %s", c.wire.verificationKeyPath, text.Printable(vk.ID))
}
