package solvimon

import (
	"encoding/json"
	"time"
)

// The emulator's own wire types, written from the component schemas of
// Solvimon's OpenAPI document (internal/testkit/spectest/specs/
// solvimon-webhooks-api-openapi.yml) and the envelope of docs/providers/solvimon.md §2.5.
// They are answers only: request bodies are read field by field (body.go),
// so that "absent", "null" and "wrong type" stay apart.

// hookOut is the Webhook schema. Every property is written, null where the
// webhook has no value, as the schema declares them nullable.
// Independent re-implementation of the Webhook schema for the emulator.
type hookOut struct {
	ObjectType              string       `json:"object_type"`
	ID                      string       `json:"id"`
	Name                    string       `json:"name"`
	Reference               string       `json:"reference"`
	URL                     string       `json:"url"`
	Active                  bool         `json:"active"`
	IncludedActions         []string     `json:"included_actions"`
	ExcludedActions         []string     `json:"excluded_actions"`
	IncludePreviousData     bool         `json:"include_previous_data"`
	AuthenticationType      string       `json:"authentication_type"`
	Username                *string      `json:"username"`
	Password                *string      `json:"password"`
	APIHeaderField          *string      `json:"api_header_field"`
	APIKey                  *string      `json:"api_key"`
	PenaltyBox              *string      `json:"penalty_box"`
	PenaltyBoxData          *penaltyData `json:"penalty_box_data"`
	SecretKey               *string      `json:"secret_key"`
	SigningProtocol         *string      `json:"signing_protocol"`
	PreviousSecretKey       *string      `json:"previous_secret_key"`
	PreviousSigningProtocol *string      `json:"previous_signing_protocol"`
	SecretRolledAt          *string      `json:"secret_rolled_at"`
}

// penaltyData is the PenaltyBoxData schema.
type penaltyData struct {
	RetryCount int    `json:"retry_count"`
	RetryAt    string `json:"retry_at"`
	Cause      string `json:"cause"`
	Payload    string `json:"payload"`
}

// page is WebhookResponseWrapper with its PaginationLinks.
type page struct {
	Data               []hookOut `json:"data"`
	Limit              int       `json:"limit"`
	Page               int       `json:"page"`
	TotalNumberOfPages int       `json:"total_number_of_pages"`
	Links              struct {
		First    *string `json:"first"`
		Previous *string `json:"previous"`
		Current  *string `json:"current"`
		Next     *string `json:"next"`
	} `json:"links"`
}

// connectionResult is WebhookConnectionResponse (send-test, test-connection,
// send-penalty-box-payload).
type connectionResult struct {
	Successful bool   `json:"successful"`
	Message    string `json:"message"`
}

// actionGroup is WebhookAction; GET /webhooks/actions answers
// WebhookActionResponseWrapper, {"data": [actionGroup]}.
type actionGroup struct {
	ObjectType string   `json:"object_type"`
	Actions    []string `json:"actions"`
}

// errorOut is ApiError. field, resource_id and resource_type are left out
// when they do not apply.
type errorOut struct {
	Type         string `json:"type"`
	Code         string `json:"code"`
	Field        string `json:"field,omitempty"`
	Message      string `json:"message"`
	ResourceID   string `json:"resource_id,omitempty"`
	ResourceType string `json:"resource_type,omitempty"`
}

// delivery is the body POSTed to a receiving endpoint [docs/providers/solvimon.md §2.5:
// created_at, type, original_request_id (optional), environment, data].
type delivery struct {
	CreatedAt         string          `json:"created_at"`
	Type              string          `json:"type"`
	OriginalRequestID string          `json:"original_request_id,omitempty"`
	Environment       string          `json:"environment"`
	Data              json.RawMessage `json:"data"`
}

// instant formats a time as the emulator's timestamps: ISO 8601 in UTC
// without milliseconds [docs/providers/solvimon.md §2.6].
func instant(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// nullable is nil for "" (JSON null), else a pointer to s.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
