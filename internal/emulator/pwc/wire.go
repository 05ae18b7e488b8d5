package pwc

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// The emulator's own wire types, from the operation table and the
// SubscriptionResponse description of docs/providers/pwc.md §4.4 [DOC], in
// ServiceStack's camelCase JSON. Decoding is case-insensitive on property
// names (encoding/json), as ServiceStack's is.

// responseStatus is ServiceStack's error shape {errorCode, message,
// errors[{errorCode, fieldName, message}]} [DOC]; the emulator never sends
// stackTrace or meta.
type responseStatus struct {
	ErrorCode string          `json:"errorCode,omitempty"`
	Message   string          `json:"message,omitempty"`
	Errors    []responseError `json:"errors,omitempty"`
}

type responseError struct {
	ErrorCode string `json:"errorCode,omitempty"`
	FieldName string `json:"fieldName,omitempty"`
	Message   string `json:"message,omitempty"`
}

// errorBody wraps responseStatus in a 4xx/5xx answer [DOC].
type errorBody struct {
	ResponseStatus *responseStatus `json:"responseStatus"`
}

// webhookSubscription is WebhookSubscription; config.secret carries the
// RSA-encrypted secret in answers [DOC].
type webhookSubscription struct {
	ID           string  `json:"id"`
	Name         string  `json:"name,omitempty"`
	Event        string  `json:"event"`
	IsActive     bool    `json:"isActive"`
	Created      netDate `json:"createdDateUtc"`
	CreatedBy    string  `json:"createdById,omitempty"`
	LastModified netDate `json:"lastModifiedDateUtc"`
	Config       config  `json:"config"`
}

type config struct {
	URL         string `json:"url"`
	ContentType string `json:"contentType,omitempty"`
	Secret      string `json:"secret,omitempty"`
}

// deliveryResult is SubscriptionDeliveryResult, one line of the delivery
// log [DOC]. The JSON names are the docs', so these types look like the
// client's.
// Independent re-implementation of the SubscriptionResponse wire shape for the emulator.
type deliveryResult struct {
	ID                string     `json:"id"`
	SubscriptionID    string     `json:"subscriptionId"`
	Attempted         netDate    `json:"attemptedDateUtc"`
	StatusDescription string     `json:"statusDescription,omitempty"`
	StatusCode        statusName `json:"statusCode"`
	EventID           string     `json:"eventId,omitempty"`
}

// subscriptionResponse is SubscriptionResponse = {subscription, history[],
// responseStatus} [DOC].
type subscriptionResponse struct {
	Subscription   *webhookSubscription `json:"subscription"`
	History        []deliveryResult     `json:"history,omitempty"`
	ResponseStatus *responseStatus      `json:"responseStatus,omitempty"`
}

// Requests [DOC: the "Request fields" column of §4.4], only ever decoded:
// property names match case-insensitively, as in ServiceStack, so the Go
// names need no tags. Update's optional fields are pointers so "absent"
// and "empty" differ.
type (
	createBody struct {
		Name             string
		AuthSteuernummer string
		AccountID        string
		Events           []string
		URL              string
		ContentType      string
		Secret           string
		PublicKeyXML     string
	}
	updateBody struct {
		ID            string
		Name, Event   *string
		URL           *string
		ContentType   *string
		CurrentSecret string
		NewSecret     string
		IsActive      *bool
		PublicKeyXML  string
	}
	deleteBody struct {
		ID     string
		Secret string
	}
	// batchDeleteBody lists WebhookSubscription objects [DOC]; the plain
	// secret in each config proves ownership as on single delete [INF].
	batchDeleteBody struct{ Subscriptions []batchItem }
	batchItem       struct {
		ID     string
		Config struct{ Secret string }
	}
	idsBody struct{ IDs []string }
)

// Authentication DTOs: ServiceStack's Authenticate and GetAccessToken
// [INF: docs/providers/pwc.md §4.3, the sister service's /auth/{provider} with
// userName, password → bearerToken, refreshToken].
type (
	loginBody struct {
		Provider string
		UserName string
		Password string
	}
	loginAnswer struct {
		UserID             string   `json:"userId,omitempty"`
		SessionID          string   `json:"sessionId,omitempty"`
		UserName           string   `json:"userName,omitempty"`
		DisplayName        string   `json:"displayName,omitempty"`
		BearerToken        string   `json:"bearerToken,omitempty"`
		RefreshToken       string   `json:"refreshToken,omitempty"`
		RefreshTokenExpiry *netDate `json:"refreshTokenExpiry,omitempty"`
	}
	refreshBody   struct{ RefreshToken string }
	refreshAnswer struct {
		AccessToken string `json:"accessToken"`
	}
)

// netDate is a DateTime as ServiceStack writes it in JSON, WCF style with
// the slashes escaped: "\/Date(<ms since 1970 UTC>-0000)\/" [DOC, §4.2's
// example "\/Date(-62135596800000-0000)\/", which is DateTime.MinValue, the
// zero time].
type netDate struct{ time.Time }

func netDatePtr(t time.Time) *netDate { return &netDate{t} }

// dateTimeMinMillis is .NET's DateTime.MinValue in Unix milliseconds.
const dateTimeMinMillis int64 = -62135596800000

func (d netDate) MarshalJSON() ([]byte, error) {
	ms := dateTimeMinMillis
	if !d.IsZero() {
		ms = d.UnixMilli()
	}
	return fmt.Appendf(nil, `"\/Date(%d-0000)\/"`, ms), nil
}

// statusName is .NET's HttpStatusCode, which ServiceStack writes as the
// enum member's name ("OK", "NotFound") [DOC: §4.2]; a code without a
// member is written as its number, as .NET's Enum.ToString does.
type statusName int

func (c statusName) MarshalJSON() ([]byte, error) {
	if n, ok := httpStatusCodeNames()[int(c)]; ok {
		return json.Marshal(n)
	}
	return []byte(strconv.Itoa(int(c))), nil
}

// httpStatusCodeNames are System.Net.HttpStatusCode's members. Where .NET
// has two names for one code (300 Ambiguous/MultipleChoices, 301 Moved/
// MovedPermanently, 302 Redirect/Found, 303 RedirectMethod/SeeOther, 307
// RedirectKeepVerb/TemporaryRedirect), the RFC's is used [INF]. Built on
// first use: the emulators are linked into every hookctl.
var httpStatusCodeNames = sync.OnceValue(func() map[int]string {
	return map[int]string{
		100: "Continue", 101: "SwitchingProtocols", 102: "Processing", 103: "EarlyHints",
		200: "OK", 201: "Created", 202: "Accepted", 203: "NonAuthoritativeInformation", 204: "NoContent",
		205: "ResetContent", 206: "PartialContent", 207: "MultiStatus", 208: "AlreadyReported", 226: "IMUsed",
		300: "MultipleChoices", 301: "MovedPermanently", 302: "Found", 303: "SeeOther", 304: "NotModified",
		305: "UseProxy", 306: "Unused", 307: "TemporaryRedirect", 308: "PermanentRedirect",
		400: "BadRequest", 401: "Unauthorized", 402: "PaymentRequired", 403: "Forbidden", 404: "NotFound",
		405: "MethodNotAllowed", 406: "NotAcceptable", 407: "ProxyAuthenticationRequired", 408: "RequestTimeout",
		409: "Conflict", 410: "Gone", 411: "LengthRequired", 412: "PreconditionFailed", 413: "RequestEntityTooLarge",
		414: "RequestUriTooLong", 415: "UnsupportedMediaType", 416: "RequestedRangeNotSatisfiable",
		417: "ExpectationFailed", 421: "MisdirectedRequest", 422: "UnprocessableEntity", 423: "Locked",
		424: "FailedDependency", 426: "UpgradeRequired", 428: "PreconditionRequired", 429: "TooManyRequests",
		431: "RequestHeaderFieldsTooLarge", 451: "UnavailableForLegalReasons",
		500: "InternalServerError", 501: "NotImplemented", 502: "BadGateway", 503: "ServiceUnavailable",
		504: "GatewayTimeout", 505: "HttpVersionNotSupported", 506: "VariantAlsoNegotiates",
		507: "InsufficientStorage", 508: "LoopDetected", 510: "NotExtended", 511: "NetworkAuthenticationRequired",
	}
})
