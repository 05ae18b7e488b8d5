package pexa

import "time"

// The emulator's own wire types, from the schemas of PEXA's OpenAPI
// document (names in the comments) and docs/providers/pexa.md 1.4. Requests keep
// presence (pointers) so a missing field can be told from an empty one;
// answers carry only the fields each schema has.

// v1In is CreateNotificationRegistrationRequest and
// UpdateNotificationRegistrationRequest: webhookURI and eventTypes, both
// required.
type v1In struct {
	WebhookURI *string  `json:"webhookURI"`
	EventTypes []string `json:"eventTypes"`
}

// v3In is WebhookNotificationRegistrationRequest (AU v3 create/update).
type v3In struct {
	NotificationType *string  `json:"notificationType"`
	EventTypes       []string `json:"eventTypes"`
	Attributes       *struct {
		WebhookURI         *string     `json:"webhookURI"`
		AuthenticationMode *string     `json:"authenticationMode"`
		AuthConfig         *authConfig `json:"authConfig"`
	} `json:"attributes"`
}

// authConfig is AuthConfig in a request and, with clientSecret blanked,
// AuthConfigResponse in an answer. The state file stores it with the same
// names.
type authConfig struct {
	AuthURL          string `json:"authUrl"`
	ClientID         string `json:"clientId"`
	ClientAuthMethod string `json:"clientAuthMethod"`
	ClientSecret     string `json:"clientSecret,omitempty"`
	Audience         string `json:"audience,omitempty"`
	Scope            string `json:"scope,omitempty"`
}

// Independent re-implementation of PEXA's registration answer schemas for the emulator.
// The field list is the wire format, so it reads like the client's; the
// order is the order the emulator has always written the JSON keys in.
//
// registrationOut is every registration answer: NotificationRegistrationCreateDto,
// NotificationRegistrationDto, WebhookNotificationRegistrationResponseV3,
// WebhookNotificationRegistrationUpdateResponseV3 and
// NotificationRegistrationResponseV2 (view decides which fields are set).
type registrationOut struct {
	NotificationType   string      `json:"notificationType,omitempty"`
	WebhookURI         string      `json:"webhookURI"`
	RegistrationID     string      `json:"registrationId"`
	SubscriberID       string      `json:"subscriberId,omitempty"`
	SharedSecret       string      `json:"sharedSecret,omitempty"`
	SharedSecretExpiry string      `json:"sharedSecretExpiry,omitempty"`
	EventTypes         []string    `json:"eventTypes"`
	AuthenticationMode string      `json:"authenticationMode,omitempty"`
	AuthConfig         *authConfig `json:"authConfig,omitempty"`
}

// pageOut is PagedNotificationRegistrations, the v2 GET's answer.
type pageOut struct {
	Page struct {
		Page         int `json:"page"`
		TotalRecords int `json:"totalRecords"`
		PageRecords  int `json:"pageRecords"`
		Limit        int `json:"limit"`
	} `json:"page"`
	Records []registrationOut `json:"records"`
}

// rotationOut is NotificationSecretRotationDto: expiry is RFC 3339 [spec].
type rotationOut struct {
	Expiry       string `json:"expiry"`
	SharedSecret string `json:"sharedSecret"`
}

// errorBody is NotificationServiceErrorResponse; errorItem is Error, whose
// field is null when the error is not about one field.
type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Code    string  `json:"code,omitempty"`
	Message string  `json:"message"`
	Field   *string `json:"field"`
}

// expiryString writes sharedSecretExpiry the way PEXA's examples do
// ("2025-03-13 04:12:51.574000 +00:00": microseconds, a space before the
// offset, not RFC 3339) [spec examples, docs/providers/pexa.md 1.4], in UTC.
func expiryString(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000 -07:00") }
