package solvimon

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/text"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Field rules. The client checks them before sending anything, so a bad
// value fails as a usage error (exit 2) instead of a 400. The emulator in
// internal/emulator/solvimon has its own copy of the documented rules
// (issue 15), so the client's tests check these against the docs.
//
// Sources: the published OpenAPI document carries no pattern or length at
// all; Solvimon's rendered API reference gives the username, password,
// api_header_field and api_key rules (0-256 characters and the patterns below), and the spec
// makes url, name and reference required on create. The remaining limits
// are marked as ours.
var (
	// passwordPattern is exactly the documented pattern. Note that "&-_"
	// inside the class is a character RANGE (0x26-0x5F: digits, upper case
	// and most ASCII punctuation), so it is far looser than it reads; we
	// enforce what Solvimon enforces, not what it seems to mean.
	passwordPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9!#$%&-_.*]*$`) })
	// usernamePattern: the rendered reference gives the PASSWORD pair,
	// username and password, one rule (providers.md §2.4: "username,
	// password (0-256, pattern ...)"); the OpenAPI document has none.
	usernamePattern = passwordPattern
	// apiHeaderFieldPattern and apiKeyPattern are the documented patterns,
	// unanchored at the end as published: they accept any value that starts
	// with zero or more allowed characters, i.e. every value. They are kept
	// literally so a tightening by Solvimon is a one-line change here; what
	// actually protects the user is the HTTP-level check beside each.
	apiHeaderFieldPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_\-]*`) })
	apiKeyPattern         = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9]*`) })
	// actionPattern is the documented RESOURCE.ACTION shape of
	// included_actions/excluded_actions and of delivery types.
	actionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$`) })
)

// maxFieldLen is the documented 256-character limit of the authentication
// fields; we apply it to name, reference and username too (ours: the spec
// gives them no limit, and a longer value is surely a mistake).
const maxFieldLen = 256

// maxURLLen bounds url (ours: common HTTP implementations refuse longer URLs).
const maxURLLen = 2048

// Authentication types of the receiving endpoint.
const (
	AuthPassword = "PASSWORD"
	AuthAPIKey   = "API_KEY"
	AuthNone     = "NONE"
)

// fieldError is one broken field rule, naming the wire field and the flag
// that sets it.
type fieldError struct {
	Field string // wire name, e.g. api_header_field
	Flag  string // CLI flag, e.g. --api-header-field ("" when none)
	Rule  string
}

func (e *fieldError) Error() string { return e.Field + ": " + e.Rule }

// usage is the client-side form: exit 2, before any request.
func (e *fieldError) usage() error {
	name := e.Field
	if e.Flag != "" {
		name = fmt.Sprintf("%s (%s)", e.Field, e.Flag)
	}
	return webhook.Invalid("solvimon: invalid %s: %s", name, e.Rule)
}

func isControlOrSpace(r rune) bool { return text.IsControl(r) || unicode.IsSpace(r) }

func checkText(field, flag, v string, required bool) *fieldError {
	switch {
	case strings.TrimSpace(v) == "":
		if required {
			return &fieldError{Field: field, Flag: flag, Rule: "is required and must not be blank"}
		}
		if v != "" {
			return &fieldError{Field: field, Flag: flag, Rule: "must not be blank"}
		}
	case utf8.RuneCountInString(v) > maxFieldLen:
		return &fieldError{Field: field, Flag: flag, Rule: fmt.Sprintf("must be at most %d characters (got %d)", maxFieldLen, utf8.RuneCountInString(v))}
	case strings.ContainsFunc(v, text.IsControl):
		return &fieldError{Field: field, Flag: flag, Rule: "must not contain control characters"}
	}
	return nil
}

func checkName(v string) *fieldError      { return checkText("name", "--name", v, true) }
func checkReference(v string) *fieldError { return checkText("reference", "--reference", v, true) }

// checkURL accepts absolute http(s) URLs with a host. Plain http is allowed
// (receivers on a private network exist) but reported so the client can warn.
func checkURL(v string) (plainHTTP bool, fe *fieldError) {
	bad := func(rule string) (bool, *fieldError) {
		return false, &fieldError{Field: "url", Flag: "--url", Rule: rule}
	}
	if v == "" {
		return bad("is required")
	}
	if len(v) > maxURLLen {
		return bad(fmt.Sprintf("must be at most %d characters", maxURLLen))
	}
	if strings.ContainsFunc(v, isControlOrSpace) {
		return bad("must not contain spaces or control characters")
	}
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return bad(fmt.Sprintf("must be an absolute http(s) URL such as https://hooks.example.com/solvimon (got %q)", v))
	}
	switch u.Scheme {
	case "https":
	case "http":
		plainHTTP = true
	default:
		return bad(fmt.Sprintf("scheme must be https (or http), not %q", u.Scheme))
	}
	if u.Hostname() == "" {
		return bad("must name a host")
	}
	if u.Fragment != "" {
		return bad("must not have a #fragment (it is never sent to the server)")
	}
	return plainHTTP, nil
}

func checkAuthType(v string) *fieldError {
	switch v {
	case AuthPassword, AuthAPIKey, AuthNone:
		return nil
	}
	return &fieldError{Field: "authentication_type", Flag: "--auth-type", Rule: fmt.Sprintf("must be PASSWORD, API_KEY or NONE (got %q)", v)}
}

// checkUsername: the documented rule of the PASSWORD credentials (0-256
// characters, usernamePattern), and ours beyond it: not blank, and no
// colon, which Basic authentication (RFC 7617) cannot carry in the user
// name (the pattern's "&-_" range lets ':' through).
func checkUsername(v string) *fieldError {
	if fe := checkText("username", "--username", v, false); fe != nil {
		return fe
	}
	if !usernamePattern().MatchString(v) {
		return &fieldError{Field: "username", Flag: "--username", Rule: fmt.Sprintf("must match Solvimon's pattern %s (ASCII letters, digits and punctuation; no spaces, quotes, backquotes, braces, '|', '~' or non-ASCII characters; got %q)", usernamePattern(), v)}
	}
	if strings.Contains(v, ":") {
		return &fieldError{Field: "username", Flag: "--username", Rule: "must not contain ':' (HTTP Basic authentication cannot carry it)"}
	}
	return nil
}

// checkPassword never quotes the value: it is a secret.
func checkPassword(v string) *fieldError {
	const flag = "--endpoint-secret-file"
	if n := utf8.RuneCountInString(v); n > maxFieldLen {
		return &fieldError{Field: "password", Flag: flag, Rule: fmt.Sprintf("must be 0 to %d characters (got %d)", maxFieldLen, n)}
	}
	if !passwordPattern().MatchString(v) {
		return &fieldError{Field: "password", Flag: flag, Rule: "must match Solvimon's pattern " + passwordPattern().String() +
			" (ASCII letters, digits and punctuation; no spaces, quotes, backquotes, braces, '|', '~' or non-ASCII characters)"}
	}
	return nil
}

func checkAPIHeaderField(v string) *fieldError {
	const field, flag = "api_header_field", "--api-header-field"
	if n := utf8.RuneCountInString(v); n > maxFieldLen {
		return &fieldError{Field: field, Flag: flag, Rule: fmt.Sprintf("must be 0 to %d characters (got %d)", maxFieldLen, n)}
	}
	if !apiHeaderFieldPattern().MatchString(v) {
		return &fieldError{Field: field, Flag: flag, Rule: "must match " + apiHeaderFieldPattern().String()}
	}
	// Ours: the value becomes an HTTP header name on every delivery.
	if v != "" && !isHTTPToken(v) {
		return &fieldError{Field: field, Flag: flag, Rule: fmt.Sprintf("must be a valid HTTP header name such as X-API-KEY (got %q)", v)}
	}
	return nil
}

// checkAPIKey never quotes the value: it is a secret.
func checkAPIKey(v string) *fieldError {
	const field, flag = "api_key", "--endpoint-secret-file"
	if n := utf8.RuneCountInString(v); n > maxFieldLen {
		return &fieldError{Field: field, Flag: flag, Rule: fmt.Sprintf("must be 0 to %d characters (got %d)", maxFieldLen, n)}
	}
	if !apiKeyPattern().MatchString(v) {
		return &fieldError{Field: field, Flag: flag, Rule: "must match " + apiKeyPattern().String()}
	}
	// Ours: the value becomes an HTTP header value on every delivery.
	if strings.ContainsFunc(v, text.IsControl) || !utf8.ValidString(v) {
		return &fieldError{Field: field, Flag: flag, Rule: "must not contain control characters (it is sent as a header value)"}
	}
	return nil
}

func checkActions(field, flag string, actions []string) *fieldError {
	for _, a := range actions {
		if !actionPattern().MatchString(a) {
			return &fieldError{Field: field, Flag: flag, Rule: fmt.Sprintf("%q is not an event of the form RESOURCE.ACTION, e.g. INVOICE.CREATED (see `hookctl events`)", a)}
		}
	}
	return nil
}

// isHTTPToken reports whether s is an RFC 9110 token (a header field name).
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// validateBody checks a create (create=true) or patch body.
func validateBody(b *webhookBody, create bool) (plainHTTP bool, fe *fieldError) {
	if create {
		// Every missing required field at once, not one per attempt.
		var fields, flags []string
		for _, r := range []struct {
			field, flag string
			v           *string
		}{{"url", "--url", b.URL}, {"name", "--name", b.Name}, {"reference", "--reference", b.Reference}} {
			if strings.TrimSpace(deref(r.v)) == "" {
				fields, flags = append(fields, r.field), append(flags, r.flag)
			}
		}
		if len(fields) > 1 {
			return false, &fieldError{Field: strings.Join(fields, ", "), Flag: strings.Join(flags, " "), Rule: "are required and must not be blank"}
		}
	}
	if create || b.URL != nil {
		if plainHTTP, fe = checkURL(deref(b.URL)); fe != nil {
			return false, fe
		}
	}
	if create || b.Name != nil {
		if fe := checkName(deref(b.Name)); fe != nil {
			return false, fe
		}
	}
	if create || b.Reference != nil {
		if fe := checkReference(deref(b.Reference)); fe != nil {
			return false, fe
		}
	}
	var authType *fieldError
	if b.AuthenticationType != nil {
		authType = checkAuthType(*b.AuthenticationType)
	}
	// The first broken rule, in field order.
	if fe := cmp.Or(authType,
		checkUsername(deref(b.Username)),
		checkPassword(deref(b.Password)),
		checkAPIHeaderField(deref(b.APIHeaderField)),
		checkAPIKey(deref(b.APIKey)),
		checkActions("included_actions", "--event", deref(b.IncludedActions)),
		checkActions("excluded_actions", "--excluded-actions", deref(b.ExcludedActions)),
	); fe != nil {
		return false, fe
	}
	return plainHTTP, nil
}

// checkAuthComplete: an endpoint that expects a password or key must get
// one. The docs are silent on what Solvimon does otherwise; a webhook that
// can never authenticate is surely a mistake, so the client refuses it.
func checkAuthComplete(authType, username, password, headerField, apiKey string) *fieldError {
	switch authType {
	case AuthPassword:
		if username == "" {
			return &fieldError{Field: "username", Flag: "--username", Rule: "is required with authentication_type PASSWORD"}
		}
		if password == "" {
			return &fieldError{Field: "password", Flag: "--endpoint-secret-file", Rule: "is required with authentication_type PASSWORD"}
		}
	case AuthAPIKey:
		if headerField == "" {
			return &fieldError{Field: "api_header_field", Flag: "--api-header-field", Rule: "is required with authentication_type API_KEY"}
		}
		if apiKey == "" {
			return &fieldError{Field: "api_key", Flag: "--endpoint-secret-file", Rule: "is required with authentication_type API_KEY"}
		}
	}
	return nil
}

// Param validators (provider.Field.Validate) so `register --help` flags fail early.

func validateReference(s string) error {
	if fe := checkReference(s); fe != nil {
		return fe.usage()
	}
	return nil
}

func validateUsername(s string) error {
	if fe := checkUsername(s); fe != nil {
		return fe.usage()
	}
	return nil
}

func validateAPIHeaderField(s string) error {
	if fe := checkAPIHeaderField(s); fe != nil {
		return fe.usage()
	}
	return nil
}

func validateAuthTypeParam(s string) error {
	_, err := parseAuthType(s)
	return err
}

func parseAuthType(s string) (string, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	if fe := checkAuthType(v); fe != nil {
		return "", fe.usage()
	}
	return v, nil
}

func parseBoolParam(name, s string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, webhook.Invalid("solvimon: --%s must be true or false (got %q)", name, s)
	}
	return b, nil
}

// parseActionList splits a comma-separated list; "" is the empty list.
func parseActionList(name, s string) ([]string, error) {
	out := []string{}
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	if fe := checkActions(strings.ReplaceAll(name, "-", "_"), "--"+name, out); fe != nil {
		return nil, fe.usage()
	}
	return out, nil
}
