package offblocks

import "time"

// The emulator's own wire types, written from the OffBlocks section of
// docs/providers/offblocks.md (§3.3-3.4) and not shared with the client, so a field name
// the client gets wrong is refused here instead of agreed with. Field
// names are OffBlocks' [DOC] unless marked.
//
// Independent re-implementation of OffBlocks' wire types for the emulator:
// they look like the client's because both follow the same
// field names.

// tokenRequest is the body of POST /v1/auth/token: {apiKey (uuid),
// apiSecret} [DOC].
type tokenRequest struct {
	APIKey    string `json:"apiKey"`
	APISecret string `json:"apiSecret"`
}

// tokenResponse answers a login: {token, expiresAt (Unix seconds, an
// integer), tokenType: "Bearer"} [DOC].
type tokenResponse struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expiresAt"`
	TokenType string `json:"tokenType"`
}

// keyUpload is the body of PUT /v1/auth/signing: the base64-encoded PEM
// public key [DOC]; the field's name is not visible [UNKNOWN], publicKey
// follows OffBlocks' other camel-case fields [INF].
type keyUpload struct {
	PublicKey string `json:"publicKey"`
}

// keyUploaded answers the upload: "a unique key is returned" [DOC], shape
// [UNKNOWN]; {"id"} is the closest to the other objects the API returns.
type keyUploaded struct {
	ID string `json:"id"`
}

// webhookPut is the body of PUT /v1/webhooks: id (uuid, optional: present
// = update), callbackUrl (uri, required), types[] (optional: omitted =
// every type) [DOC]. id is a pointer to tell absent from empty.
type webhookPut struct {
	ID          *string  `json:"id"`
	CallbackURL string   `json:"callbackUrl"`
	Types       []string `json:"types"`
}

// webhookJSON is the Webhook object: id, callbackUrl, types[], createdAt,
// updatedAt (ISO 8601) [DOC].
type webhookJSON struct {
	ID          string   `json:"id"`
	CallbackURL string   `json:"callbackUrl"`
	Types       []string `json:"types"`
	CreatedAt   string   `json:"createdAt"`
	UpdatedAt   string   `json:"updatedAt"`
}

// verificationKeyJSON is "Retrieve Webhook Verification Key": {id, key},
// key base64-encoded [DOC].
type verificationKeyJSON struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

// errorJSON is an error answer. OffBlocks' error shape is not visible
// [UNKNOWN]; {"message"} carrying the response descriptions the docs list
// ("Invalid request", "Not authorised", "Webhook not found", "Invalid
// credentials") is the closest documented behaviour.
type errorJSON struct {
	Message string `json:"message"`
}

// deliveryJSON is a delivery body: an entity snapshot with the
// webhookType discriminator and eventId (uuid) plus the entity's fields
// (id, status, createdAt, updatedAt, ...) [DOC]; a real one carries the
// entity's other fields too.
type deliveryJSON struct {
	WebhookType string `json:"webhookType"`
	EventID     string `json:"eventId"`
	ID          string `json:"id"`
	Status      string `json:"status"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
}

// isoTime is how the emulator writes times: ISO 8601 [DOC] as RFC 3339 UTC
// with milliseconds, the usual form of JSON APIs [INF].
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
