package offblocks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

// eventTypes are the entity-update events OffBlocks' webhook guide lists
// [DOC, docs/providers/offblocks.md §3.4]; a webhook without types gets every one.
var eventTypes = []string{"customer.updated", "account.updated", "card.updated", "authorisation.updated", "transaction.updated"}

// sampleStatus is a plausible entity status per event [INF: the entity
// schemas are not part of the webhook docs].
var sampleStatus = map[string]string{
	"customer.updated":      "VERIFIED",
	"account.updated":       "ACTIVE",
	"card.updated":          "ACTIVE",
	"authorisation.updated": "APPROVED",
	"transaction.updated":   "COMPLETED",
}

// Delivery signing. OffBlocks' "Verification" section is not visible
// [UNKNOWN]; docs/providers/offblocks.md §3.5 infers Signature, Signature-Input and
// Content-Digest verified with the verification key [INF]. A delivery has
// no Authorization or Idempotency-Key, so it covers the request line and
// the body (through Content-Digest) [INF]. Label sig1 as in RFC 9421's
// examples [INF]; sha-512, the digest of the draft OffBlocks follows [INF].
var deliveryComponents = []string{"@method", "@target-uri", "content-digest", "content-type"}

const (
	deliveryLabel  = "sig1"
	deliveryDigest = "sha-512"
)

// Delivery builds a delivery of event for webhook id, addressed to its
// callback URL and signed like OffBlocks' [INF, see deliveryComponents]:
// Content-Digest (sha-512), then an RFC 9421 signature by the emulator's
// verification key (label sig1, created, keyid = the verification key's
// id, alg ecdsa-p384-sha384), made with httpsig.SignRequest. It is not
// sent (`hookctl sandbox deliver` sends or writes it).
func (s *Sandbox) Delivery(ctx context.Context, id, event string) (*http.Request, error) {
	if !slices.Contains(eventTypes, event) {
		return nil, fmt.Errorf("offblocks sandbox: unknown event type %q (valid: %s)", event, strings.Join(eventTypes, ", "))
	}
	s.mu.Lock()
	h, ok := s.hooks[id]
	var snap hookRecord
	if ok {
		snap = *h
	}
	v := s.verify
	now := s.now()
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("offblocks sandbox: no webhook %q", id)
	}
	if len(snap.Types) > 0 && !slices.Contains(snap.Types, event) {
		return nil, fmt.Errorf("offblocks sandbox: webhook %s is not subscribed to %s (it has %s)", id, event, strings.Join(snap.Types, ", "))
	}
	ts := isoTime(now)
	body, err := json.Marshal(deliveryJSON{
		WebhookType: event,
		EventID:     uuid.NewString(),
		ID:          uuid.NewString(),
		Status:      sampleStatus[event],
		CreatedAt:   ts,
		UpdatedAt:   ts,
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, snap.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("offblocks sandbox: webhook %s: %w", id, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "OffBlocks-Webhooks (hookctl sandbox)")
	err = httpsig.SignRequest(req, body, httpsig.SignOptions{
		Key:             v.key,
		KeyID:           v.ID,
		Algorithm:       algorithm,
		Label:           deliveryLabel,
		Components:      deliveryComponents,
		DigestAlgorithm: deliveryDigest,
		Created:         now,
	})
	if err != nil {
		return nil, fmt.Errorf("offblocks sandbox: signing the delivery: %w", err)
	}
	return req, nil
}
