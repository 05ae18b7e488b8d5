package pexa

import (
	"errors"
	"strings"
	"time"
)

// Wire types follow the schemas of PEXA's OpenAPI document (names in the
// comments). Optional fields are pointers or omitempty so a request carries
// only what the schema has, and the emulator's answers can say "absent".

// createBody is CreateNotificationRegistrationRequest and
// UpdateNotificationRegistrationRequest (v1): both fields are required.
type createBody struct {
	WebhookURI string   `json:"webhookURI"`
	EventTypes []string `json:"eventTypes"`
}

// v3Body is WebhookNotificationRegistrationRequest (AU v3 create/update).
type v3Body struct {
	NotificationType string       `json:"notificationType"`
	EventTypes       []string     `json:"eventTypes"`
	Attributes       v3Attributes `json:"attributes"`
}

type v3Attributes struct {
	WebhookURI         string          `json:"webhookURI"`
	AuthenticationMode string          `json:"authenticationMode"`
	AuthConfig         *wireAuthConfig `json:"authConfig,omitempty"`
}

// wireAuthConfig is AuthConfig (request) and AuthConfigResponse (answer,
// where clientSecret is never echoed).
type wireAuthConfig struct {
	AuthURL          string `json:"authUrl"`
	ClientID         string `json:"clientId"`
	ClientAuthMethod string `json:"clientAuthMethod"`
	ClientSecret     string `json:"clientSecret,omitempty"`
	Audience         string `json:"audience,omitempty"`
	Scope            string `json:"scope,omitempty"`
}

// wireRegistration is the union of NotificationRegistrationCreateDto,
// NotificationRegistrationDto, WebhookNotificationRegistrationResponseV3 (and
// its update variant) and NotificationRegistrationResponseV2: they differ
// only in which of these fields are present.
type wireRegistration struct {
	NotificationType   string          `json:"notificationType,omitempty"`
	WebhookURI         string          `json:"webhookURI"`
	RegistrationID     string          `json:"registrationId"`
	SubscriberID       string          `json:"subscriberId,omitempty"`
	IntegratorID       string          `json:"integratorId,omitempty"`
	IntegratorType     string          `json:"integratorType,omitempty"`
	SharedSecret       string          `json:"sharedSecret,omitempty"`
	SharedSecretExpiry string          `json:"sharedSecretExpiry,omitempty"`
	EventTypes         []string        `json:"eventTypes"`
	AuthenticationMode string          `json:"authenticationMode,omitempty"`
	AuthConfig         *wireAuthConfig `json:"authConfig,omitempty"`
}

// wirePage is PagedNotificationRegistrations (v2 GET).
type wirePage struct {
	Page    wirePageInfo       `json:"page"`
	Records []wireRegistration `json:"records"`
}

// wirePageInfo is Page.
type wirePageInfo struct {
	Page         int `json:"page"`
	TotalRecords int `json:"totalRecords"`
	PageRecords  int `json:"pageRecords"`
	Limit        int `json:"limit"`
}

// wireRotation is NotificationSecretRotationDto.
type wireRotation struct {
	Expiry       string `json:"expiry"`
	SharedSecret string `json:"sharedSecret"`
}

// wireErrors is NotificationServiceErrorResponse; field is null when the
// error is not about one field. A 500 may carry only a message, in the
// list or (per docs/providers/pexa.md) at the top level.
type wireErrors struct {
	Errors  []wireError `json:"errors"`
	Message string      `json:"message,omitempty"`
}

type wireError struct {
	Code    string  `json:"code,omitempty"`
	Message string  `json:"message"`
	Field   *string `json:"field"`
}

// pexaTimeLayout is how PEXA writes sharedSecretExpiry: not RFC 3339 but
// "2025-03-13 04:12:51.574000 +00:00" (six fractional digits, a space
// before the offset).
const pexaTimeLayout = "2006-01-02 15:04:05.000000 -07:00"

// timeLayouts are what ParsePexaTime accepts, most likely first. Go accepts
// a fractional second of any length after the seconds even where a layout
// has none, so these also cover ".574", ".574000" and ".574000123".
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02T15:04:05 -07:00",
	"2006-01-02T15:04:05-0700",
}

// zonelessLayouts have no offset. PEXA's examples are all in UTC
// (+00:00, Z), so a time without an offset is read as UTC.
var zonelessLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
}

var errTimeFormat = errors.New("not a PEXA time (want RFC 3339 or 2006-01-02 15:04:05.000000 -07:00)")

// ParsePexaTime reads both time formats PEXA uses: RFC 3339 (rotation's
// expiry, e.g. 2024-02-28T06:12:42Z) and its own
// "2006-01-02 15:04:05.000000 -07:00" (sharedSecretExpiry), tolerating any
// number of fractional digits, "Z", "+0000" and " UTC" offsets and a missing
// offset (UTC). The result is in UTC.
func ParsePexaTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < len("2006-01-02T15:04:05") || len(s) > 64 {
		return time.Time{}, errTimeFormat
	}
	// A trailing zone name is read only when it is unambiguous: Go would
	// invent a zero offset for any abbreviation it does not know.
	for _, z := range []string{" UTC", " GMT"} {
		if strings.HasSuffix(s, z) {
			s = strings.TrimSuffix(s, z) + " +00:00"
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range zonelessLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errTimeFormat
}
