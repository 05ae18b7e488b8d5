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

// deliveryComponents are what the emulator's deliveries cover. OffBlocks'
// "Verification" section is not visible [UNKNOWN]; a delivery has no
// Authorization or Idempotency-Key, so this is the request line and the
// body (through Content-Digest) [INF], which is also what pkg/signature's
// http-message-signatures scheme signs and insists on.
var deliveryComponents = []string{httpsig.CompMethod, httpsig.CompTargetURI, "content-digest", "content-type"}

// deliveryBody is an entity snapshot with the webhookType discriminator
// and eventId [DOC]; a real one carries the entity's other fields too.
type deliveryBody struct {
	WebhookType string `json:"webhookType"`
	EventID     string `json:"eventId"`
	ID          string `json:"id"`
	Status      string `json:"status"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
}

// sampleStatus is a plausible entity status per event [INF: the entity
// schemas are not part of the webhook docs].
var sampleStatus = map[string]string{
	"customer.updated":      "VERIFIED",
	"account.updated":       "ACTIVE",
	"card.updated":          "ACTIVE",
	"authorisation.updated": "APPROVED",
	"transaction.updated":   "COMPLETED",
}

// Delivery builds a delivery of event for webhook id, addressed to its
// callback URL and signed like OffBlocks' [INF, see deliveryComponents]:
// Content-Digest (sha-512), then an RFC 9421 signature by the emulator's
// verification key (label sig1, created, keyid = the verification key's
// id, alg ecdsa-p384-sha384), made with httpsig.SignRequest. It is not
// sent (`hookctl sandbox deliver` sends or writes it).
func (s *Sandbox) Delivery(ctx context.Context, id, event string) (*http.Request, error) {
	if !isKnownEvent(event) {
		return nil, fmt.Errorf("offblocks sandbox: unknown event type %q (valid: %s)", event, strings.Join(eventNames(), ", "))
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
	ts := formatTime(now)
	body, err := json.Marshal(deliveryBody{
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
		Algorithm:       SignatureAlgorithm,
		Label:           signatureLabel,
		Components:      deliveryComponents,
		DigestAlgorithm: digestAlgorithm,
		Created:         now,
	})
	if err != nil {
		return nil, fmt.Errorf("offblocks sandbox: signing the delivery: %w", err)
	}
	return req, nil
}
