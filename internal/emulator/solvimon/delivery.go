package solvimon

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
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
)

// Delivery signing, written here on purpose rather than taken from
// pkg/signature: the tests cross-check the two implementations (and
// openssl), so a shared mistake cannot hide.
//
// [docs/providers/solvimon.md §2.5] HMAC-SHA256 over "{timestamp}.{payload}" keyed with the
// webhook's secret_key (its bytes as given), headers
// X-PAYLOAD-SIGNATURE-TIMESTAMP (ISO 8601, here RFC 3339 UTC) and
// X-PAYLOAD-SIGNATURE with one "v1=<hex>" per valid secret, comma
// separated. Hex is upper case as in Solvimon's example ("v1=6DEA8E…"), so
// verifiers must compare case-insensitively.
const (
	HeaderSignature          = "X-PAYLOAD-SIGNATURE"
	HeaderSignatureTimestamp = "X-PAYLOAD-SIGNATURE-TIMESTAMP"
)

// sign is one v1 signature.
func sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return strings.ToUpper(hex.EncodeToString(mac.Sum(nil)))
}

// signatureHeader signs with every secret, current first.
func signatureHeader(secrets []string, timestamp string, body []byte) string {
	parts := make([]string, 0, len(secrets))
	for _, s := range secrets {
		parts = append(parts, "v1="+sign(s, timestamp, body))
	}
	return strings.Join(parts, ",")
}

// sampleData is the data of a delivery: the webhook itself (without its
// secrets) for WEBHOOK events, else a small stand-in for the resource.
func (s *Emulator) sampleData(rec *Record, event string, now time.Time) (json.RawMessage, error) {
	resource, action, _ := strings.Cut(event, ".")
	if resource == "WEBHOOK" {
		w := out(rec, now)
		w.SecretKey, w.PreviousSecretKey, w.Password, w.APIKey = nil, nil, nil, nil
		w.PenaltyBox, w.PenaltyBoxData = nil, nil
		return json.Marshal(w)
	}
	return json.Marshal(map[string]any{
		"object_type": resource,
		"id":          strings.ToLower(resource) + "_" + emulator.RandomHex(8),
		"action":      action,
		"created_at":  instant(now),
	})
}

// envelope is a delivery body: {created_at, type, original_request_id,
// environment, data} [docs/providers/solvimon.md]. The sandbox is Solvimon's TEST
// environment.
func (s *Emulator) envelope(rec *Record, event string, now time.Time, requestID string) ([]byte, error) {
	data, err := s.sampleData(rec, event, now)
	if err != nil {
		return nil, err
	}
	return json.Marshal(delivery{CreatedAt: instant(now), Type: event, OriginalRequestID: requestID, Environment: "TEST", Data: data})
}

// deliveryRequest builds the POST to the endpoint: signed when the webhook
// has a secret, and carrying the endpoint's own authentication (Basic or an
// API key header) as configured [solvimon-webhooks.yml endpoint_auth].
func deliveryRequest(ctx context.Context, rec *Record, body []byte, now time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rec.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("solvimon sandbox: webhook %s: %w", rec.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Solvimon-Webhooks (hookctl sandbox)")
	if rec.SecretKey != "" {
		ts := instant(now)
		req.Header.Set(HeaderSignatureTimestamp, ts)
		req.Header.Set(HeaderSignature, signatureHeader(signingSecrets(rec, now), ts, body))
	}
	switch rec.AuthenticationType {
	case authPassword:
		req.SetBasicAuth(rec.Username, rec.Password)
	case authAPIKey:
		req.Header.Set(rec.APIHeaderField, rec.APIKey)
	}
	return req, nil
}

// send delivers body to the endpoint and returns its status (0 when it
// never answered) and "" on a 2xx within 10 s [docs/providers/solvimon.md], else the
// cause.
func (s *Emulator) send(ctx context.Context, rec *Record, body []byte, now time.Time) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := deliveryRequest(ctx, rec, body, now)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, "no answer from the endpoint: " + err.Error()
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Sprintf("the endpoint answered HTTP %d", resp.StatusCode)
	}
	return resp.StatusCode, ""
}

// Delivery builds a correctly signed delivery of event for webhook id,
// addressed to its URL, without sending it (`hookctl sandbox deliver`).
func (s *Emulator) Delivery(ctx context.Context, id, event string) (*http.Request, error) {
	snap, body, now, err := s.prepare(id, event)
	if err != nil {
		return nil, err
	}
	return deliveryRequest(ctx, &snap, body, now)
}

// prepare checks event and builds its envelope for a snapshot of webhook id.
func (s *Emulator) prepare(id, event string) (Record, []byte, time.Time, error) {
	var snap Record
	if res, act, ok := strings.Cut(event, "."); !ok || res == "" || act == "" || strings.ToUpper(event) != event || strings.ContainsFunc(event, unicode.IsSpace) {
		return snap, nil, time.Time{}, fmt.Errorf("solvimon sandbox: event %q is not of the form RESOURCE.ACTION (e.g. INVOICE.CREATED)", event)
	}
	if !serves(event) {
		return snap, nil, time.Time{}, fmt.Errorf("solvimon sandbox: %s is not an action the sandbox serves (GET /v1/webhooks/actions; `hookctl events`)", event)
	}
	s.mu.Lock()
	cur, ok := s.hooks[id]
	if ok {
		snap = *cur
	}
	now := s.now()
	s.mu.Unlock()
	if !ok {
		return snap, nil, now, fmt.Errorf("solvimon sandbox: no webhook %q", id)
	}
	body, err := s.envelope(&snap, event, now, uuid.NewString())
	return snap, body, now, err
}
