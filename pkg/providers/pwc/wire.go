package pwc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Wire types of the Report Filing Service's webhook operations [DOC], in
// ServiceStack's camelCase JSON.

// responseStatus is ServiceStack's standard error shape [DOC].
type responseStatus struct {
	ErrorCode  string            `json:"errorCode,omitempty"`
	Message    string            `json:"message,omitempty"`
	StackTrace string            `json:"stackTrace,omitempty"`
	Errors     []responseError   `json:"errors,omitempty"`
	Meta       map[string]string `json:"meta,omitempty"`
}

type responseError struct {
	ErrorCode string            `json:"errorCode,omitempty"`
	FieldName string            `json:"fieldName,omitempty"`
	Message   string            `json:"message,omitempty"`
	Meta      map[string]string `json:"meta,omitempty"`
}

// errorBody is how ServiceStack wraps responseStatus in an error answer.
type errorBody struct {
	ResponseStatus *responseStatus `json:"responseStatus"`
}

type subscriptionConfig struct {
	URL         string `json:"url"`
	ContentType string `json:"contentType,omitempty"`
	// Secret is encrypted to the caller's RSA public key in answers [DOC],
	// and plain in batch-delete requests [INF].
	Secret string `json:"secret,omitempty"`
}

// wireSubscription is WebhookSubscription [DOC].
type wireSubscription struct {
	ID                  string             `json:"id"`
	Name                string             `json:"name,omitempty"`
	Event               string             `json:"event"`
	IsActive            bool               `json:"isActive"`
	CreatedDateUtc      ssDate             `json:"createdDateUtc"`
	CreatedByID         string             `json:"createdById,omitempty"`
	LastModifiedDateUtc ssDate             `json:"lastModifiedDateUtc"`
	Config              subscriptionConfig `json:"config"`
}

// wireHistory is SubscriptionDeliveryResult, one delivery attempt [DOC].
type wireHistory struct {
	ID                string         `json:"id"`
	SubscriptionID    string         `json:"subscriptionId"`
	AttemptedDateUtc  ssDate         `json:"attemptedDateUtc"`
	StatusDescription string         `json:"statusDescription,omitempty"`
	StatusCode        httpStatusCode `json:"statusCode"`
	EventID           string         `json:"eventId,omitempty"`
}

// subscriptionResponse is SubscriptionResponse [DOC].
type subscriptionResponse struct {
	Subscription   *wireSubscription `json:"subscription"`
	History        []wireHistory     `json:"history,omitempty"`
	ResponseStatus *responseStatus   `json:"responseStatus,omitempty"`
}

// UnmarshalJSON also accepts a bare WebhookSubscription: the metadata pages
// say list and search answer "an array" without naming the element type
// [UNKNOWN], so either shape is read.
func (r *subscriptionResponse) UnmarshalJSON(b []byte) error {
	type plain subscriptionResponse
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p.Subscription == nil && p.ResponseStatus == nil {
		var s wireSubscription
		if err := json.Unmarshal(b, &s); err == nil && s.ID != "" {
			p.Subscription = &s
		}
	}
	*r = subscriptionResponse(p)
	return nil
}

type createRequest struct {
	Name             string   `json:"name,omitempty"`
	AuthSteuernummer string   `json:"authSteuernummer"`
	AccountID        string   `json:"accountId"`
	Events           []string `json:"events"`
	URL              string   `json:"url"`
	ContentType      string   `json:"contentType,omitempty"`
	Secret           string   `json:"secret"`
	PublicKeyXML     string   `json:"publicKeyXml"`
}

type updateRequest struct {
	ID            string  `json:"id"`
	Name          *string `json:"name,omitempty"`
	Event         *string `json:"event,omitempty"`
	URL           *string `json:"url,omitempty"`
	ContentType   *string `json:"contentType,omitempty"`
	CurrentSecret string  `json:"currentSecret"`
	NewSecret     string  `json:"newSecret,omitempty"`
	IsActive      *bool   `json:"isActive,omitempty"`
	PublicKeyXML  string  `json:"publicKeyXml"`
}

type deleteRequest struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// batchDeleteItem is the part of a WebhookSubscription a batch delete needs:
// the id, and the plain secret as ownership proof as on single delete [INF].
type batchDeleteItem struct {
	ID     string             `json:"id"`
	Config subscriptionConfig `json:"config"`
}

type batchDeleteRequest struct {
	Subscriptions []batchDeleteItem `json:"subscriptions"`
}

type listByIDsRequest struct {
	IDs []string `json:"ids"`
}

// authRequest is ServiceStack's Authenticate DTO for the credentials
// provider [INF: PwC's auth is not documented; its sister service exposes
// /auth/{provider}]. ServiceStack matches property names case-insensitively
// and documents lower-case "username".
type authRequest struct {
	Provider string `json:"provider,omitempty"`
	UserName string `json:"username"`
	Password string `json:"password"`
}

// authResponse is ServiceStack's AuthenticateResponse.
type authResponse struct {
	UserID             string          `json:"userId,omitempty"`
	SessionID          string          `json:"sessionId,omitempty"`
	UserName           string          `json:"userName,omitempty"`
	DisplayName        string          `json:"displayName,omitempty"`
	BearerToken        string          `json:"bearerToken,omitempty"`
	RefreshToken       string          `json:"refreshToken,omitempty"`
	RefreshTokenExpiry *ssDate         `json:"refreshTokenExpiry,omitempty"`
	ResponseStatus     *responseStatus `json:"responseStatus,omitempty"`
}

// accessTokenRequest/Response are ServiceStack's GetAccessToken DTOs
// (POST /access-token), which trade a JWT refresh token for a new bearer.
type accessTokenRequest struct {
	RefreshToken string `json:"refreshToken"`
}

type accessTokenResponse struct {
	AccessToken    string          `json:"accessToken"`
	ResponseStatus *responseStatus `json:"responseStatus,omitempty"`
}

// --- ServiceStack dates -------------------------------------------------------

// dotnetMinMillis and dotnetMaxMillis bound .NET's DateTime (0001-01-01 to
// 9999-12-31): nothing outside can come from the server, and time values
// beyond year 9999 would break our own RFC 3339 output.
const (
	dotnetMinMillis = -62135596800000
	dotnetMaxMillis = 253402300799999
)

// wcfDate matches the inside of ServiceStack's WCF-style date: milliseconds
// since the Unix epoch (UTC) and an optional ±hhmm offset, which only says
// which zone the value was local to.
var wcfDate = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(-?[0-9]{1,16})(?:([+-])([0-9]{2})([0-9]{2}))?$`) })

// parseServiceStackDate reads a ServiceStack date string as it is after JSON
// decoding: "/Date(ms)/", "/Date(ms±hhmm)/", the same with the JSON escape
// left in ("\/Date(...)\/", as when a payload was escaped twice), or ISO
// 8601 (ServiceStack's DateHandler.ISO8601). DateTime.MinValue, .NET's
// "unset", and the empty string are the zero time.
func parseServiceStackDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if inner, ok := cutWCF(s); ok {
		m := wcfDate().FindStringSubmatch(inner)
		if m == nil {
			return time.Time{}, fmt.Errorf("malformed ServiceStack date %q", s)
		}
		ms, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || ms < dotnetMinMillis || ms > dotnetMaxMillis {
			return time.Time{}, fmt.Errorf("ServiceStack date %q is outside .NET's DateTime range", s)
		}
		if ms == dotnetMinMillis {
			return time.Time{}, nil
		}
		t := time.UnixMilli(ms).UTC()
		if m[2] != "" {
			hh, _ := strconv.Atoi(m[3])
			mm, _ := strconv.Atoi(m[4])
			if hh > 23 || mm > 59 {
				return time.Time{}, fmt.Errorf("ServiceStack date %q has an invalid zone offset", s)
			}
			off := hh*3600 + mm*60
			if m[2] == "-" {
				off = -off
			}
			t = t.In(time.FixedZone("", off))
		}
		return t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			switch {
			case t.UTC().Year() <= 1:
				return time.Time{}, nil
			case t.UTC().Year() > 9999:
				return time.Time{}, fmt.Errorf("ServiceStack date %q is outside .NET's DateTime range", s)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("malformed ServiceStack date %q", s)
}

// cutWCF strips "/Date(" ... ")/" in either escaping.
func cutWCF(s string) (string, bool) {
	for _, f := range [][2]string{{`\/Date(`, `)\/`}, {`/Date(`, `)/`}} {
		if in, ok := strings.CutPrefix(s, f[0]); ok {
			if in, ok := strings.CutSuffix(in, f[1]); ok {
				return in, true
			}
		}
	}
	return "", false
}

// formatServiceStackDate writes t the way ServiceStack writes a UTC
// DateTime, without the JSON escape; the zero time is DateTime.MinValue.
func formatServiceStackDate(t time.Time) string {
	if t.IsZero() {
		return fmt.Sprintf("/Date(%d-0000)/", int64(dotnetMinMillis))
	}
	return fmt.Sprintf("/Date(%d-0000)/", t.UnixMilli())
}

// ssDate is a date field in ServiceStack's JSON.
type ssDate struct{ time.Time }

// MarshalJSON writes "\/Date(ms-0000)\/" exactly as ServiceStack does,
// escaped slashes included (encoding/json would not escape them).
func (d ssDate) MarshalJSON() ([]byte, error) {
	s := formatServiceStackDate(d.Time)
	return []byte(`"` + strings.ReplaceAll(s, "/", `\/`) + `"`), nil
}

func (d *ssDate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a ServiceStack date must be a string, got %s", truncate(string(b), 40))
	}
	t, err := parseServiceStackDate(s)
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// ptr returns the date, or nil when unset.
func (d ssDate) ptr() *time.Time {
	if d.IsZero() {
		return nil
	}
	t := d.UTC()
	return &t
}

// --- HttpStatusCode -----------------------------------------------------------

// httpStatusCode is .NET's HttpStatusCode, which ServiceStack serialises as
// the enum member's name ("OK", "NotFound") [DOC], or a number where a
// status has no member. Unknown names decode as 0 rather than failing the
// whole answer: the history is informative, not load-bearing.
type httpStatusCode int

// dotnetStatusAliases are HttpStatusCode members whose names differ from
// the RFC reason phrases Go knows.
var dotnetStatusAliases = map[string]int{
	"ambiguous": 300, "moved": 301, "redirect": 302, "redirectmethod": 303,
	"redirectkeepverb": 307, "requestentitytoolarge": 413, "requesturitoolong": 414,
	"requestedrangenotsatisfiable": 416, "unprocessablecontent": 422,
}

// statusByName maps a name without spaces or punctuation, lower-cased, to
// its code; built from Go's reason phrases, which are the .NET member names
// once spaces and hyphens are dropped ("Not Found" → NotFound). Built on
// first use, not at every start of hookctl.
var statusByName = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	for code := 100; code < 600; code++ {
		if t := http.StatusText(code); t != "" {
			m[statusKey(t)] = code
		}
	}
	for k, v := range dotnetStatusAliases {
		m[k] = v
	}
	return m
})

func statusKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// parseHTTPStatusCode reads a number or an HttpStatusCode name.
func parseHTTPStatusCode(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 999 {
			return 0, fmt.Errorf("HTTP status %d is out of range", n)
		}
		return n, nil
	}
	if code, ok := statusByName()[statusKey(s)]; ok && s != "" {
		return code, nil
	}
	return 0, fmt.Errorf("unknown HttpStatusCode %q", s)
}

// dotnetStatusName is the HttpStatusCode member name for a code, or "" when
// there is none.
func dotnetStatusName(code int) string {
	switch code {
	case 0:
		return ""
	case http.StatusHTTPVersionNotSupported:
		return "HttpVersionNotSupported"
	case http.StatusRequestURITooLong:
		return "RequestUriTooLong"
	}
	t := http.StatusText(code)
	if t == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if name == "OK" {
		return name
	}
	// Go spells a few phrases with acronyms ("Request URI", "HTTP");
	// .NET members are PascalCase.
	return strings.NewReplacer("URI", "Uri", "HTTP", "Http").Replace(name)
}

func (c httpStatusCode) MarshalJSON() ([]byte, error) {
	if name := dotnetStatusName(int(c)); name != "" {
		return json.Marshal(name)
	}
	return []byte(strconv.Itoa(int(c))), nil
}

func (c *httpStatusCode) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*c = 0
		return nil
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	n, err := parseHTTPStatusCode(s)
	if err != nil {
		n = 0
	}
	*c = httpStatusCode(n)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
