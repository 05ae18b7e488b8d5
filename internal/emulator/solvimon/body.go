package solvimon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Reading WebhookCreateRequest / WebhookUpdateRequest bodies and the field
// rules the emulator answers with 400. Tags as in solvimon.go: [spec] the
// OpenAPI document, [docs/providers/solvimon.md] the project's wire reference (§2.4 for
// the field rules), [closest] our choice where both are silent.

// The endpoint authentication types [spec: WebhookAuthenticationType].
const (
	authPassword = "PASSWORD"
	authAPIKey   = "API_KEY"
	authNone     = "NONE"
)

// fieldLimit is the documented 0–256 characters of password,
// api_header_field and api_key [docs/providers/solvimon.md §2.4]. [closest] name,
// reference and username, which the docs give no limit, get the same one.
const fieldLimit = 256

// urlLimit bounds url [closest: the docs give none; 2048 is what common
// HTTP stacks accept in a request line].
const urlLimit = 2048

// The patterns Solvimon's API reference publishes [docs/providers/solvimon.md §2.4].
// In the password's class "&-_" is a range (0x26–0x5F), which lets ':'
// and '@' through. The api_header_field and api_key patterns are published
// without a closing $; [closest] the emulator holds them for the whole
// value, as a field "format" is checked (Java's @Pattern, for one, matches
// the whole string, and the published example's key is plain
// alphanumeric), so it answers `abc-123_XYZ+/=` with 400 rather than
// accept every value.
var (
	passwordRule       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9!#$%&-_.*]*$`) })
	apiHeaderFieldRule = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_\-]*$`) })
	apiKeyRule         = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9]*$`) })
)

// documentedSigningProtocol is the one signing_protocol value the docs
// show (the create example), and the one the emulator signs with.
const documentedSigningProtocol = "HmacSHA256"

// badField is a 400 answer about one field: MISSING_FIELD when absent or
// empty [spec: ApiErrorCode], else INVALID_FIELD.
type badField struct {
	field, msg string
	missing    bool
}

func invalid(field, format string, args ...any) *badField {
	return &badField{field: field, msg: fmt.Sprintf(format, args...)}
}

func missing(field, msg string) *badField { return &badField{field: field, msg: msg, missing: true} }

func (b *badField) write(w http.ResponseWriter) {
	code := "INVALID_FIELD"
	if b.missing {
		code = "MISSING_FIELD"
	}
	writeError(w, http.StatusBadRequest, code, b.field, b.msg, "")
}

// body is a request body as JSON values by property name. Read-only and
// unknown properties are kept but never read, so they are ignored.
type body map[string]json.RawMessage

// readBody reads a JSON object body. An empty body is an empty object when
// optional (roll-secret), else 400.
func readBody(w http.ResponseWriter, r *http.Request, optional bool) (body, bool) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "BAD_REQUEST", "", fmt.Sprintf("request body exceeds %d bytes", maxRequestBody), "")
		} else {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "", "cannot read the request body", "")
		}
		return nil, false
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if optional {
			return body{}, true
		}
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "", "a JSON request body is required", "")
		return nil, false
	}
	// [spec] every request body is application/json.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "", "send the body as application/json", "")
		return nil, false
	}
	// [closest] a JSON null body reads as an empty object.
	b := body{}
	if err := json.Unmarshal(raw, &b); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "", "the body is not a JSON object: "+err.Error(), "")
		return nil, false
	}
	if b == nil {
		b = body{}
	}
	return b, true
}

// has reports whether the property is present, null included.
func (b body) has(name string) bool { _, ok := b[name]; return ok }

// isNull reports whether the property is present and null.
func (b body) isNull(name string) bool {
	v, ok := b[name]
	return ok && string(bytes.TrimSpace(v)) == "null"
}

// str reads a string property; absent and null read as "".
func (b body) str(name string) (string, *badField) {
	var s *string
	if err := json.Unmarshal(b[name], &s); b.has(name) && err != nil {
		return "", invalid(name, "%s must be a string", name)
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

// flag reads a boolean property; set is false when absent or null.
func (b body) flag(name string) (v, set bool, fe *badField) {
	var p *bool
	if err := json.Unmarshal(b[name], &p); b.has(name) && err != nil {
		return false, false, invalid(name, "%s must be a boolean", name)
	}
	if p == nil {
		return false, false, nil
	}
	return *p, true, nil
}

// list reads an array-of-strings property; absent and null read as nil.
func (b body) list(name string) ([]string, *badField) {
	var l []string
	if err := json.Unmarshal(b[name], &l); b.has(name) && err != nil {
		return nil, invalid(name, "%s must be an array of strings", name)
	}
	return l, nil
}

// fields is a request body read and checked, in the order of the rules.
type fields struct {
	url, name, reference, authType       string
	username, password, headerField, key string
	signingProtocol                      string
	included, excluded                   []string
	active, previousData                 bool
	activeSet, previousDataSet           bool
}

// parse reads the body (read) and applies the field rules to the
// properties present (on create, to url, name and reference in any case:
// the spec requires them).
func parse(b body, create bool) (*fields, *badField) {
	f, fe := read(b)
	if fe != nil {
		return nil, fe
	}
	return f, f.check(b, create)
}

// read reads every property the emulator uses, reporting the first one of
// the wrong JSON type [spec: the request schemas' types].
func read(b body) (*fields, *badField) {
	var f fields
	var fe *badField
	strs := []struct {
		name string
		dst  *string
	}{{"url", &f.url}, {"name", &f.name}, {"reference", &f.reference}, {"authentication_type", &f.authType},
		{"username", &f.username}, {"password", &f.password}, {"api_header_field", &f.headerField}, {"api_key", &f.key},
		{"signing_protocol", &f.signingProtocol}}
	for _, s := range strs {
		if *s.dst, fe = b.str(s.name); fe != nil {
			return nil, fe
		}
	}
	if f.active, f.activeSet, fe = b.flag("active"); fe != nil {
		return nil, fe
	}
	if f.previousData, f.previousDataSet, fe = b.flag("include_previous_data"); fe != nil {
		return nil, fe
	}
	if f.included, fe = b.list("included_actions"); fe != nil {
		return nil, fe
	}
	if f.excluded, fe = b.list("excluded_actions"); fe != nil {
		return nil, fe
	}
	return &f, nil
}

// check applies the field rules, in field order, and reports the first
// broken one.
func (f *fields) check(b body, create bool) *badField {
	type rule struct {
		name  string
		check func() *badField
	}
	rules := []rule{
		{"url", func() *badField { return urlRule(f.url) }},
		{"name", func() *badField { return textRule("name", f.name, true) }},
		{"reference", func() *badField { return textRule("reference", f.reference, true) }},
		{"authentication_type", func() *badField { return authTypeRule(f.authType) }},
		{"username", func() *badField { return usernameRule(f.username) }},
		{"password", func() *badField { return secretRule("password", f.password, passwordRule()) }},
		{"api_header_field", func() *badField { return headerFieldRule(f.headerField) }},
		{"api_key", func() *badField { return apiKeyValueRule(f.key) }},
		{"signing_protocol", func() *badField { return signingProtocolRule(f.signingProtocol) }},
		{"included_actions", func() *badField { return actionsRule("included_actions", f.included) }},
		{"excluded_actions", func() *badField { return actionsRule("excluded_actions", f.excluded) }},
	}
	for i, r := range rules {
		required := create && i < 3
		if !required && (!b.has(r.name) || b.isNull(r.name)) {
			continue
		}
		if fe := r.check(); fe != nil {
			return fe
		}
	}
	return nil
}

// urlRule: required on create [spec]. [closest] It must be an absolute
// http(s) URL with a host, as the emulator delivers to it (plain http is
// allowed: receivers on a private network exist, and the sandbox's own
// tests use them), without spaces or control characters (RFC 3986) and
// without a fragment, which a delivery could not carry.
func urlRule(v string) *badField {
	switch {
	case v == "":
		return missing("url", "is required")
	case len(v) > urlLimit:
		return invalid("url", "must be at most %d characters", urlLimit)
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return invalid("url", "must not contain spaces or control characters")
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || !u.IsAbs() || u.Opaque != "":
		return invalid("url", "must be an absolute http(s) URL such as https://hooks.example.com/solvimon (got %q)", v)
	case u.Scheme != "https" && u.Scheme != "http":
		return invalid("url", "scheme must be https (or http), not %q", u.Scheme)
	case u.Hostname() == "":
		return invalid("url", "must name a host")
	case u.Fragment != "":
		return invalid("url", "must not have a #fragment (it is never sent to the server)")
	}
	return nil
}

// textRule: name and reference are required on create [spec]; [closest]
// not blank, at most fieldLimit characters, no control characters.
func textRule(field, v string, required bool) *badField {
	switch {
	case v == "" && required:
		return missing(field, "is required and must not be blank")
	case strings.TrimSpace(v) == "" && required:
		return invalid(field, "is required and must not be blank")
	case strings.TrimSpace(v) == "" && v != "":
		return invalid(field, "must not be blank")
	case utf8.RuneCountInString(v) > fieldLimit:
		return invalid(field, "must be at most %d characters (got %d)", fieldLimit, utf8.RuneCountInString(v))
	case strings.ContainsFunc(v, unicode.IsControl):
		return invalid(field, "must not contain control characters")
	}
	return nil
}

// authTypeRule: PASSWORD, API_KEY or NONE [spec].
func authTypeRule(v string) *badField {
	if v == authPassword || v == authAPIKey || v == authNone {
		return nil
	}
	return invalid("authentication_type", "must be PASSWORD, API_KEY or NONE (got %q)", v)
}

// usernameRule: the PASSWORD pair's published pattern [docs/providers/solvimon.md §2.4
// gives "username, password (0–256, pattern …)" one rule], as name. The
// pattern admits ':', so the emulator takes it; its delivery sends the
// pair as HTTP Basic [spec: "the username used for basic
// authentication"], where a receiver splits user-id and password at the
// first ':' (RFC 7617).
func usernameRule(v string) *badField {
	if fe := textRule("username", v, false); fe != nil {
		return fe
	}
	if !passwordRule().MatchString(v) {
		return invalid("username", "must match %s", passwordRule())
	}
	return nil
}

// signingProtocolRule: [closest] the docs give signing_protocol no rule
// and one example value, HmacSHA256, which is what the emulator signs
// with; any other value is refused rather than stored and then not used.
func signingProtocolRule(v string) *badField {
	if v != documentedSigningProtocol {
		return invalid("signing_protocol", "must be %s, the only signing protocol (got %q)", documentedSigningProtocol, v)
	}
	return nil
}

// secretRule: 0–256 characters and the published pattern [docs/providers/solvimon.md
// §2.4]. The value is a secret and never quoted.
func secretRule(field, v string, pattern *regexp.Regexp) *badField {
	if n := utf8.RuneCountInString(v); n > fieldLimit {
		return invalid(field, "must be 0 to %d characters (got %d)", fieldLimit, n)
	}
	if !pattern.MatchString(v) {
		return invalid(field, "must match Solvimon's pattern %s", pattern)
	}
	return nil
}

// headerFieldRule: the published rule over the whole value, which leaves
// only HTTP token characters (RFC 9110), so the emulator can send it as a
// header name on every delivery.
func headerFieldRule(v string) *badField {
	return secretRule("api_header_field", v, apiHeaderFieldRule())
}

// apiKeyValueRule: the published rule over the whole value: ASCII letters
// and digits, a value any delivery header can carry.
func apiKeyValueRule(v string) *badField {
	return secretRule("api_key", v, apiKeyRule())
}

// actionsRule: every entry is an action GET /webhooks/actions lists
// [docs/providers/solvimon.md §2.4: "valid values from GET /webhooks/actions"].
func actionsRule(field string, actions []string) *badField {
	for _, a := range actions {
		if !serves(a) {
			return invalid(field, "%q is not an available action (see GET /v1/webhooks/actions)", a)
		}
	}
	return nil
}

// authComplete: [closest] the docs are silent on a PASSWORD webhook without
// a password (or API_KEY without a key); one that can never authenticate
// is surely a mistake, so it is refused as a missing field.
func authComplete(h *Record) *badField {
	need := map[string][][2]string{
		authPassword: {{"username", h.Username}, {"password", h.Password}},
		authAPIKey:   {{"api_header_field", h.APIHeaderField}, {"api_key", h.APIKey}},
	}
	for _, f := range need[h.AuthenticationType] {
		if f[1] == "" {
			return missing(f[0], "is required with authentication_type "+h.AuthenticationType)
		}
	}
	return nil
}
