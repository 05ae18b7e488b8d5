package solvimon

import (
	"fmt"
	"strings"
	"time"
)

// wireWebhook is Solvimon's Webhook schema as the API returns it.
type wireWebhook struct {
	ObjectType              *string          `json:"object_type"`
	ID                      string           `json:"id"`
	Name                    *string          `json:"name"`
	Reference               *string          `json:"reference"`
	URL                     *string          `json:"url"`
	Active                  bool             `json:"active"`
	IncludedActions         []string         `json:"included_actions"`
	ExcludedActions         []string         `json:"excluded_actions"`
	IncludePreviousData     bool             `json:"include_previous_data"`
	AuthenticationType      string           `json:"authentication_type,omitempty"`
	Username                *string          `json:"username"`
	Password                *string          `json:"password"`
	APIHeaderField          *string          `json:"api_header_field"`
	APIKey                  *string          `json:"api_key"`
	PenaltyBox              *string          `json:"penalty_box"`
	PenaltyBoxData          *wirePenaltyData `json:"penalty_box_data"`
	SecretKey               *string          `json:"secret_key"`
	SigningProtocol         *string          `json:"signing_protocol"`
	PreviousSecretKey       *string          `json:"previous_secret_key"`
	PreviousSigningProtocol *string          `json:"previous_signing_protocol"`
	SecretRolledAt          *string          `json:"secret_rolled_at"`
}

// wirePenaltyData is PenaltyBoxData: why and until when deliveries to an
// endpoint are parked, and the payload waiting to go.
type wirePenaltyData struct {
	RetryCount *int    `json:"retry_count"`
	RetryAt    *string `json:"retry_at"`
	Cause      *string `json:"cause"`
	Payload    *string `json:"payload"`
}

// wireList is WebhookResponseWrapper, one page of a list.
type wireList struct {
	Data               []wireWebhook `json:"data"`
	Limit              *int          `json:"limit"`
	Page               *int          `json:"page"`
	TotalNumberOfPages *int          `json:"total_number_of_pages"`
	Links              wireLinks     `json:"links"`
}

type wireLinks struct {
	First    *string `json:"first"`
	Previous *string `json:"previous"`
	Current  *string `json:"current"`
	Next     *string `json:"next"`
}

// wireConnection is WebhookConnectionResponse (send-test, penalty-box resend,
// test-connection).
type wireConnection struct {
	Successful *bool   `json:"successful"`
	Message    *string `json:"message"`
}

// wireActions is WebhookActionResponseWrapper.
type wireActions struct {
	Data []wireAction `json:"data"`
}

type wireAction struct {
	ObjectType string   `json:"object_type"`
	Actions    []string `json:"actions"`
}

// apiError is Solvimon's ApiError, the body of every error answer.
type apiError struct {
	Type         string  `json:"type"`
	Code         string  `json:"code"`
	Field        *string `json:"field,omitempty"`
	Message      string  `json:"message"`
	ResourceID   *string `json:"resource_id,omitempty"`
	ResourceType *string `json:"resource_type,omitempty"`
}

// webhookBody is the body of create (WebhookCreateRequest), patch
// (WebhookUpdateRequest) and test-connection. Nil fields are left out so a
// patch carries only what changes; a pointer to an empty slice is sent as
// [] on purpose (--all-events: no included_actions filter).
type webhookBody struct {
	URL                 *string   `json:"url,omitempty"`
	Name                *string   `json:"name,omitempty"`
	Reference           *string   `json:"reference,omitempty"`
	Active              *bool     `json:"active,omitempty"`
	IncludedActions     *[]string `json:"included_actions,omitempty"`
	ExcludedActions     *[]string `json:"excluded_actions,omitempty"`
	IncludePreviousData *bool     `json:"include_previous_data,omitempty"`
	AuthenticationType  *string   `json:"authentication_type,omitempty"`
	Username            *string   `json:"username,omitempty"`
	Password            *string   `json:"password,omitempty"`
	APIHeaderField      *string   `json:"api_header_field,omitempty"`
	APIKey              *string   `json:"api_key,omitempty"`
	SigningProtocol     *string   `json:"signing_protocol,omitempty"`
}

// timeLayouts are the ISO 8601 shapes Solvimon's "instant" fields come in:
// documented without milliseconds, but Java's Instant.toString adds them
// when non-zero, and some fields are zone-less local date-times (read as UTC).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads an ISO 8601 instant into UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			// A zone offset can move year 0001 or 9999 out of the four-digit
			// range, where the UTC time no longer formats as RFC 3339 (found
			// by FuzzParseTime: "0000-01-01T0:00:00+0100").
			if u := t.UTC(); u.Year() < 1 || u.Year() > 9999 {
				return time.Time{}, fmt.Errorf("time %q is outside years 0001-9999 in UTC", s)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q (want ISO 8601, e.g. 2026-01-02T15:04:05Z)", s)
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
