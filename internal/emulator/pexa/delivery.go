package pexa

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
)

// Delivery signing, written here on purpose rather than taken from
// pkg/signature: the tests cross-check the two implementations (and
// openssl), so a shared mistake cannot hide.
//
// PEXA's (AU) webhooks guide; the UK portal is silent and the same platform
// behaviour is assumed [docs/providers/pexa.md 1.5]. HMAC-SHA256 over
// "<webhook-id>.<webhook-timestamp>.<raw body>", keyed with the shared
// secret (its bytes as PEXA returns them: a UUID string, not a base64
// "whsec_" key), hex-encoded and prefixed "v1,"; webhook-signature is a
// space-separated list, one per valid secret (both during the 24 h after a
// rotation).
//
// webhook-timestamp is Unix seconds. The aggregated guide says
// milliseconds, Standard Webhooks (which PEXA links) says seconds; seconds
// is what Standard Webhooks verifiers expect, and hookctl's verifier
// accepts both.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// sign is one "v1,<hex>" signature of a delivery.
func sign(secret, id, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + hex.EncodeToString(mac.Sum(nil))
}

// signatureHeader signs with every secret, current first.
func signatureHeader(secrets []string, id, timestamp string, body []byte) string {
	parts := make([]string, 0, len(secrets))
	for _, s := range secrets {
		parts = append(parts, sign(s, id, timestamp, body))
	}
	return strings.Join(parts, " ")
}

// signingSecrets are the secrets a delivery at now is signed with: the
// current one, and the previous one during its 24 h overlap.
func signingSecrets(rec *record, now time.Time) []string {
	out := []string{rec.SharedSecret}
	if rec.PreviousSecret != "" && rec.PreviousValidUntil != nil && now.Before(*rec.PreviousValidUntil) {
		out = append(out, rec.PreviousSecret)
	}
	return out
}

// eventCategory is the <Category> of a delivery's type "<Category>.<EVENT>".
// PEXA documents the format and the categories Lodgement, Settlement,
// Workspace and Notification (e.g. Lodgement.LODGEMENT_REGISTERED,
// Workspace.CHECKLIST_CHECKED) but no per-event table, so the sandbox
// derives it from the event name [closest].
func eventCategory(event string) string {
	switch {
	case event == mandatoryEvent:
		return "Notification"
	case strings.Contains(event, "LODGEMENT"):
		return "Lodgement"
	case strings.Contains(event, "SETTLEMENT"), strings.HasPrefix(event, "FINANCIAL_"), strings.HasPrefix(event, "LOAN_PAYOUT"),
		strings.HasPrefix(event, "READY_"), strings.HasPrefix(event, "SOURCE_FUNDS"), strings.HasPrefix(event, "AUTO_"):
		return "Settlement"
	}
	return "Workspace"
}

// deliveryPayload is SubscriberNotificationPayload [spec].
type deliveryPayload struct {
	Timestamp string       `json:"timestamp"`
	Type      string       `json:"type"`
	Data      deliveryData `json:"data"`
}

type deliveryData struct {
	WorkspaceID          string            `json:"workspaceId"`
	SubscriberID         string            `json:"subscriberId"`
	SubscriberReferences []subscriberRef   `json:"subscriberReferences"`
	AdditionalReferences []additionalRefer `json:"additionalReferences"`
}

type subscriberRef struct {
	SubscriberReference string `json:"subscriberReference"`
	WorkspaceRole       string `json:"workspaceRole"`
}

type additionalRefer struct {
	Identifier string `json:"identifier"`
	Type       string `json:"type"`
}

// Delivery builds a correctly signed delivery of event for registration id,
// addressed to its webhook URI, without sending it (`hookctl sandbox
// deliver`). As at PEXA, only subscribed events are delivered and nothing
// is delivered once the shared secret has expired. An HMAC_OAUTH
// registration would also get a Bearer token from the customer's auth
// server; the sandbox cannot reach one, so it sends the HMAC headers only.
func (e *Emulator) Delivery(ctx context.Context, id, event string) (*http.Request, error) {
	rec, ok := e.snapshot(id)
	if !ok {
		return nil, fmt.Errorf("pexa sandbox: no registration %q", id)
	}
	now := e.now()
	if !accepts(rec.Region, event) {
		return nil, fmt.Errorf("pexa sandbox: %q is not a PEXA %s event (see `hookctl events`)", event, strings.ToUpper(rec.Region))
	}
	if event != mandatoryEvent && !slices.Contains(rec.EventTypes, event) {
		return nil, fmt.Errorf("pexa sandbox: registration %s is not subscribed to %s (its events: %s)", id, event, strings.Join(rec.EventTypes, ", "))
	}
	if !now.Before(rec.SecretExpiry) {
		return nil, fmt.Errorf("pexa sandbox: the shared secret of %s expired at %s; PEXA stops delivering (rotate it first)", id, rec.SecretExpiry.UTC().Format(time.RFC3339))
	}
	body, err := json.Marshal(deliveryPayload{
		Timestamp: now.UTC().Format(time.RFC3339),
		Type:      eventCategory(event) + "." + event,
		Data: deliveryData{
			WorkspaceID:          "PEXA" + digits(9),
			SubscriberID:         rec.SubscriberID,
			SubscriberReferences: []subscriberRef{{SubscriberReference: "sandbox-ref-" + digits(4), WorkspaceRole: "Incoming Mortgagee"}},
			AdditionalReferences: []additionalRefer{},
		},
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rec.WebhookURI, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("pexa sandbox: registration %s: %w", id, err)
	}
	msgID := uuid.NewString()
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "PEXA-Webhooks (hookctl sandbox)")
	req.Header.Set(HeaderWebhookID, msgID)
	req.Header.Set(HeaderWebhookTimestamp, ts)
	req.Header.Set(HeaderWebhookSignature, signatureHeader(signingSecrets(&rec, now), msgID, ts, body))
	return req, nil
}

// digits is n random decimal digits (workspace ids and references).
func digits(n int) string {
	out := emulator.RandomBytes(n)
	for i, c := range out {
		out[i] = '0' + c%10
	}
	return string(out)
}
