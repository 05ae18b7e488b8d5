package offblocks

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Wire types of the OffBlocks API. Field names are OffBlocks' [DOC] unless
// marked.

// tokenRequest is POST /v1/auth/token.
type tokenRequest struct {
	APIKey    string `json:"apiKey"`
	APISecret string `json:"apiSecret"`
}

// tokenResponse: expiresAt is Unix seconds [DOC]; float64 tolerates a
// fractional value.
type tokenResponse struct {
	Token     string  `json:"token"`
	ExpiresAt float64 `json:"expiresAt"`
	TokenType string  `json:"tokenType"`
}

// keyIDFrom reads the answer to PUT /v1/auth/signing: "a unique key is
// returned" [DOC], shape [UNKNOWN]. Accepted: {"id": ...}, {"keyId": ...}
// or a bare JSON string.
func keyIDFrom(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, nil
	}
	var o struct {
		ID    string `json:"id"`
		KeyID string `json:"keyId"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return "", err
	}
	if o.ID != "" {
		return o.ID, nil
	}
	if o.KeyID != "" {
		return o.KeyID, nil
	}
	return "", errors.New("the answer names no key id (looked for id and keyId)")
}

// wireWebhook is the Webhook object [DOC].
type wireWebhook struct {
	ID          string   `json:"id"`
	CallbackURL string   `json:"callbackUrl"`
	Types       []string `json:"types"`
	CreatedAt   string   `json:"createdAt,omitempty"`
	UpdatedAt   string   `json:"updatedAt,omitempty"`
}

// webhookBody is PUT /v1/webhooks: without id it creates, with id it
// replaces that webhook [DOC]. Omitted types means every type [DOC].
type webhookBody struct {
	ID          string   `json:"id,omitempty"`
	CallbackURL string   `json:"callbackUrl"`
	Types       []string `json:"types,omitempty"`
}

// decodeList reads GET /v1/webhooks, whose wrapper is [UNKNOWN]: a bare
// array (most likely [INF]) or {"data": [...]}.
func decodeList(raw json.RawMessage) ([]wireWebhook, error) {
	t := strings.TrimSpace(string(raw))
	if strings.HasPrefix(t, "[") {
		var l []wireWebhook
		err := json.Unmarshal(raw, &l)
		return l, err
	}
	var w struct {
		Data *[]wireWebhook `json:"data"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	if w.Data == nil {
		return nil, errors.New("expected a JSON array of webhooks or {\"data\": [...]}")
	}
	return *w.Data, nil
}

// verificationKey is the answer of the verification-key endpoint [DOC]:
// key is "base64-encoded"; base64 of PEM or of DER is [UNKNOWN] and
// httpsig.ParsePublicKey reads both.
type verificationKey struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

// apiErrorMessage reads an error body, whose shape is [UNKNOWN]: {"message"},
// {"error"} (a string or an object with a message) or {"errors": [...]}
// (strings or objects with message/detail) are understood.
func apiErrorMessage(body []byte) string {
	var e struct {
		Message string            `json:"message"`
		Error   json.RawMessage   `json:"error"`
		Errors  []json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	if e.Message != "" {
		return e.Message
	}
	if m := messageOf(e.Error); m != "" {
		return m
	}
	var parts []string
	for _, raw := range e.Errors {
		if m := messageOf(raw); m != "" {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, "; ")
}

// messageOf is a JSON string, or the message (else detail) of an object.
func messageOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Message string `json:"message"`
		Detail  string `json:"detail"`
		Field   string `json:"field"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return ""
	}
	m := o.Message
	if m == "" {
		m = o.Detail
	}
	if m != "" && o.Field != "" {
		m = o.Field + ": " + m
	}
	return m
}

// parseTime reads OffBlocks' ISO 8601 times [DOC]; a zone-less value is
// taken as UTC [INF].
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}
