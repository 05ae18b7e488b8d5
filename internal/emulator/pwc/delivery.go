package pwc

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
)

// Delivery signing, written here on purpose rather than taken from
// pkg/signature: the tests cross-check it with openssl, so a mistake shared
// with the verifier cannot hide.
//
// [DOC] PwC: an HMAC of the body with the subscription secret in
// X-Hub-Signature. [SEC] ServiceStack.Webhooks (HmacUtils, EventServiceClient,
// WebhookEventConstants): "sha1=" + lower-case hex of HMAC-SHA256 (despite
// the prefix) keyed with the UTF-8 bytes of the secret as given (the Base64
// text is not decoded), over the raw body; X-Webhook-Delivery is a GUID in
// "N" format (32 hex digits); X-Webhook-Event is the event name; the
// Content-Type is the subscription's, JSON by default.
const (
	HeaderSignature = "X-Hub-Signature"
	HeaderDelivery  = "X-Webhook-Delivery"
	HeaderEvent     = "X-Webhook-Event"
)

// hubSignature is the X-Hub-Signature value for body.
// Independent re-implementation of the X-Hub-Signature HMAC for the emulator.
func hubSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// deliveryPayload is the body of a sandbox delivery [INF: PwC does not
// publish its payloads; the library posts the event's data object as JSON].
type deliveryPayload struct {
	EventID          string         `json:"eventId"`
	EventName        string         `json:"eventName"`
	CreatedDateUtc   netDate        `json:"createdDateUtc"`
	SubscriptionID   string         `json:"subscriptionId"`
	AuthSteuernummer string         `json:"authSteuernummer"`
	AccountID        string         `json:"accountId"`
	Data             map[string]any `json:"data"`
}

// build makes the signed request for a snapshot of rec and returns the
// event id it carries.
func (s *Emulator) build(ctx context.Context, id, event string) (*http.Request, string, error) {
	s.mu.Lock()
	cur, ok := s.subs[id]
	var rec record
	if ok {
		rec = *cur
	}
	now := s.now().UTC()
	s.mu.Unlock()
	if !ok {
		return nil, "", fmt.Errorf("pwc sandbox: no subscription %q", id)
	}
	if event == "" {
		event = rec.Event
	}
	if event != rec.Event {
		// [SEC] the library relays an event only to the subscriptions of
		// that event; each PwC subscription has exactly one.
		return nil, "", fmt.Errorf("pwc sandbox: subscription %s is for event %q, not %q", id, rec.Event, event)
	}
	if !rec.IsActive {
		// [SEC] only active subscriptions receive events.
		return nil, "", fmt.Errorf("pwc sandbox: subscription %s is inactive (reactivate it with `hookctl update %s --active=true`)", id, id)
	}
	eventID := uuid.NewString()
	body, err := json.Marshal(deliveryPayload{
		EventID: eventID, EventName: event, CreatedDateUtc: netDate{now}, SubscriptionID: id,
		AuthSteuernummer: rec.AuthSteuernummer, AccountID: rec.AccountID,
		Data: map[string]any{"reportId": uuid.NewString(), "status": event},
	})
	if err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rec.URL, bytes.NewReader(body))
	if err != nil {
		return nil, "", fmt.Errorf("pwc sandbox: subscription %s: %w", id, err)
	}
	ct := rec.ContentType
	if ct == "" {
		ct = jsonType
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", "ServiceStack.Webhooks (hookctl sandbox)")
	req.Header.Set(HeaderSignature, hubSignature(rec.Secret, body))
	req.Header.Set(HeaderDelivery, strings.ReplaceAll(uuid.NewString(), "-", ""))
	req.Header.Set(HeaderEvent, event)
	return req, eventID, nil
}

// Delivery builds a correctly signed delivery of event for subscription
// id, addressed to its URL, without sending it (`hookctl sandbox deliver`).
// An empty event means the subscription's own. Nothing is recorded in the
// history, since the emulator does not see the outcome; Send does both.
func (s *Emulator) Delivery(ctx context.Context, id, event string) (*http.Request, error) {
	req, _, err := s.build(ctx, id, event)
	return req, err
}

// Send implements emulator.Sender: it delivers event to to (the
// subscription's URL when empty) as the library's relay would [SEC]: up to
// 3 attempts, none after a 4xx, each with a 60 s timeout, and the outcome
// appended to the subscription's history (a 4xx also deactivates it).
func (s *Emulator) Send(ctx context.Context, id, event, to string) (emulator.Sent, error) {
	req, eventID, err := s.build(ctx, id, event)
	if err != nil {
		return emulator.Sent{}, err
	}
	if to != "" {
		u, err := url.Parse(to)
		if err != nil {
			return emulator.Sent{}, fmt.Errorf("pwc sandbox: delivery URL %q: %w", to, err)
		}
		req.URL, req.Host = u, u.Host
	}
	body, _ := io.ReadAll(req.Body)
	status, desc := 0, ""
	for attempt := 1; attempt <= deliveryAttempts; attempt++ {
		status, desc = s.attempt(ctx, req, body)
		if (status >= 200 && status < 500) || ctx.Err() != nil {
			break
		}
	}
	sent := emulator.Sent{URL: req.URL.String(), Status: status, DeliveryID: s.recordDelivery(id, eventID, status, desc)}
	if status < 200 || status > 299 {
		sent.Error = desc
		if status != 0 {
			sent.Error = fmt.Sprintf("the endpoint answered HTTP %d %s", status, desc)
		}
	}
	return sent, nil
}

// SendEvent is Send to the subscription's URL with the outcome as an
// error: the endpoint's last status (0 when it never answered) and an
// error unless that was 2xx.
func (s *Emulator) SendEvent(ctx context.Context, id, event string) (int, error) {
	sent, err := s.Send(ctx, id, event, "")
	if err != nil {
		return 0, err
	}
	if sent.Error != "" {
		return sent.Status, fmt.Errorf("pwc sandbox: delivery to %s failed: %s", sent.URL, sent.Error)
	}
	return sent.Status, nil
}

func (s *Emulator) attempt(ctx context.Context, req *http.Request, body []byte) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	resp, err := s.http.Do(r)
	if err != nil {
		return 0, "no answer from the endpoint: " + err.Error()
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, http.StatusText(resp.StatusCode)
}
