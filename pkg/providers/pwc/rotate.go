package pwc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Secret rotation. PwC rotates by update with currentSecret and newSecret
// [DOC]; the client chooses the new secret, and no grace period is
// documented, so the old secret is treated as revoked the moment the update
// lands [INF]: Overlap 0, Rotation.PreviousValidUntil nil.
//
// Crash safety. The new secret exists only on this machine until the
// update lands, and the old one stops working when it does, so the new one
// is stored as pending before the call (by the rotation engine, or here
// when the caller passes none). When a run dies between the update landing
// and the new secret being promoted, the next run presents the old secret
// and PwC rejects it (403). RotateSecret then reconciles: it reads the
// subscription, decrypts config.secret and compares it with the pending
// secret. Equal means the earlier update landed: it returns the Rotation
// with an error wrapping ErrAlreadyRotated, and the caller promotes the
// pending secret to current. Reconcile does the same check on its own.

// secretBytes is the entropy of a generated secret: 256 bits, well above
// PwC's minimum of 8 Base64 characters [DOC].
const secretBytes = 32

// ErrAlreadyRotated reports that the subscription already uses the new
// (pending) secret: an earlier rotation reached PwC but its outcome was
// not recorded. The pending secret is the current one; promote it.
var ErrAlreadyRotated = errors.New("the subscription already uses the new secret: an earlier rotation reached PwC but was not recorded")

// NewSecret returns a fresh secret: 32 bytes from crypto/rand as standard
// padded Base64 (44 characters), which PwC's Base64 rule accepts [SEC].
func NewSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// RotationPolicy: the client chooses the secret, the old one is revoked at
// once [INF], and four rotations run in parallel (no rate limits are
// documented [UNKNOWN]; RSA decryption is the client's cost per item).
func (c *Client) RotationPolicy() webhook.RotationPolicy {
	return webhook.RotationPolicy{ClientChoosesSecret: true, Overlap: 0, MaxConcurrency: 4}
}

// RotateSecret replaces a subscription's secret: POST …/{id}/update with
// currentSecret and newSecret. An empty req.CurrentSecret is read from the
// store; an empty req.NewSecret reuses a stored pending secret (an earlier
// run may have landed it) or generates one and stores it as pending first.
// The answer's config.secret must decrypt to the new secret, else the
// rotation is not confirmed and fails.
//
// When PwC rejects the current secret but already holds the new one, the
// Rotation is returned together with an error wrapping ErrAlreadyRotated.
// When the update's answer is lost (network, 5xx) but a read shows the new
// secret in place, the rotation succeeded and is returned without error.
func (c *Client) RotateSecret(ctx context.Context, id string, req webhook.RotateRequest) (*webhook.Rotation, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	cur := req.CurrentSecret
	if cur == "" {
		var err error
		if cur, err = c.storedSecret(id, true); err != nil {
			return nil, err
		}
	}
	next := req.NewSecret
	if next == "" {
		var err error
		if next, err = c.pendingOrNew(id); err != nil {
			return nil, err
		}
	}
	if v := checkSecret(next); v != nil {
		return nil, webhook.Invalid("pwc: rotate %s: new secret: %s", id, v.Msg)
	}
	if next == cur {
		return nil, webhook.Invalid("pwc: rotate %s: the new secret equals the current one", id)
	}
	reg, err := c.update(ctx, id, updateRequest{NewSecret: next}, cur)
	if err != nil {
		if !mayHaveLanded(err) {
			return nil, err
		}
		ok, _, sr, rerr := c.reconcile(ctx, id, next)
		if rerr != nil || !ok {
			return nil, err
		}
		rot := &webhook.Rotation{Registration: c.registration(sr, false), NewSecret: next, PreviousSecret: cur}
		if isOwnershipRejected(err) {
			return rot, &webhook.Error{Kind: webhook.KindError, Err: ErrAlreadyRotated,
				Msg: fmt.Sprintf("pwc: rotate %s", id), Hint: "promote the pending secret to current; nothing is left to send"}
		}
		return rot, nil
	}
	if reg.Secret == "" {
		return nil, fmt.Errorf("pwc: rotate %s: the provider did not confirm the new secret (its answer carries no secret this profile's key decrypts); the new secret stays pending", id)
	}
	if subtle.ConstantTimeCompare([]byte(reg.Secret), []byte(next)) != 1 {
		return nil, fmt.Errorf("pwc: rotate %s: the provider did not confirm the new secret (it reports a different one); the new secret stays pending", id)
	}
	reg.Secret = next
	return &webhook.Rotation{Registration: *reg, NewSecret: next, PreviousSecret: cur}, nil
}

// pendingOrNew returns the stored pending secret, or a new one stored as
// pending before it is sent: without that copy, a crash after the update
// lands would leave nobody knowing the subscription's secret.
func (c *Client) pendingOrNew(id string) (string, error) {
	if c.creds == nil {
		return "", errors.New("pwc: no credential store to keep the new secret in")
	}
	var secret string
	err := c.creds.UpdateWebhookSecrets(c.profile.Name, id, func(ws *credentials.WebhookSecrets) error {
		if ws.Pending != nil && ws.Pending.Value != "" {
			secret = ws.Pending.Value
			return nil
		}
		s, err := NewSecret()
		if err != nil {
			return err
		}
		secret = s
		ws.Pending = &credentials.SecretEntry{Value: s, StoredAt: c.now().UTC()}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("pwc: rotate %s: storing the new secret as pending: %w", id, err)
	}
	return secret, nil
}

// mayHaveLanded reports whether a failed update may still have been
// applied: an ownership rejection (a previous run may have switched the
// secret), or no definite answer (network error, timeout, 5xx). Other 4xx
// answers are definite refusals.
func mayHaveLanded(err error) bool {
	if isOwnershipRejected(err) {
		return true
	}
	var we *webhook.Error
	if errors.As(err, &we) && we.Status >= http.StatusBadRequest && we.Status < http.StatusInternalServerError {
		return false
	}
	return true
}

// Reconcile reports whether subscription id already uses pending as its
// secret: it reads the subscription, decrypts config.secret with the
// profile's key and compares. The rotation engine calls it on resume to
// decide between promoting a pending secret and retrying the rotation.
// Its shape is webhook.Reconciler's: it returns the secret PwC holds
// (pending when confirmed, else whatever the subscription uses, which the
// engine adopts rather than drop) and whether it is the pending one.
func (c *Client) Reconcile(ctx context.Context, id, pending string) (string, bool, error) {
	ok, got, _, err := c.reconcile(ctx, id, pending)
	return got, ok, err
}

func (c *Client) reconcile(ctx context.Context, id, pending string) (bool, string, *subscriptionResponse, error) {
	if pending == "" {
		return false, "", nil, webhook.Invalid("pwc: reconcile %s: no pending secret to compare", id)
	}
	sr, err := c.get(ctx, id)
	if err != nil {
		return false, "", nil, err
	}
	enc := sr.Subscription.Config.Secret
	if enc == "" {
		return false, "", sr, fmt.Errorf("pwc: reconcile %s: PwC returned no secret, so which one it holds cannot be told", id)
	}
	k, err := c.privateKey()
	if err != nil {
		return false, "", sr, err
	}
	got, err := decryptSecret(k, enc)
	if err != nil {
		return false, "", sr, fmt.Errorf("pwc: reconcile %s: %w", id, err)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(pending)) == 1, got, sr, nil
}
