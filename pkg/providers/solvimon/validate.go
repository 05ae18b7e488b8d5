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

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Field rules. The client checks them before sending anything, so a bad
// value fails as a usage error (exit 2) instead of a 400. The emulator in
// internal/emulator/solvimon has its own copy of the documented rules,
// so the client's tests check these against the docs.
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
	// username and password, one rule (docs/providers/solvimon.md §2.4: "username,
	// password (0-256, pattern ...)"); the OpenAPI document has none.
	usernamePattern = passwordPattern
	// apiHeaderFieldPattern and apiKeyPattern are the documented patterns
	// (`^[a-zA-Z0-9_\-]*` and `^[a-zA-Z0-9]*`), applied to the whole value.
	// As published they lack the closing $, so a regexp search would accept
	// every value; we read them as whole-value rules and refuse the rest
	// (exit 2) rather than warn, because: the patterns are rendered as a
	// field "format", and a validator of formats (JSON Schema aside, e.g.
	// Java's Bean Validation @Pattern, which a service naming its protocol
	// "HmacSHA256", the JCA name, likely uses) matches the whole value;
	// the username and password patterns beside them are anchored at both
	// ends; and the published example's api_key is plain alphanumeric. A
	// key refused here would at best be accepted and then mangled by a
	// receiver expecting the documented alphabet, so failing early costs
	// nothing a user needs.
	apiHeaderFieldPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_\-]*$`) })
	apiKeyPattern         = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9]*$`) })
	// signingProtocolPattern bounds signing_protocol to a plain name (ours:
	// the docs give the field no rule; the documented value is a word).
	signingProtocolPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`) })
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
// characters, usernamePattern), and ours beyond it: not blank. The
// pattern's "&-_" range lets ':' through, and Solvimon accepts it, so it
// is not refused; usernameColonWarning says what it does at the endpoint.
func checkUsername(v string) *fieldError {
	if fe := checkText("username", "--username", v, false); fe != nil {
		return fe
	}
	if !usernamePattern().MatchString(v) {
		return &fieldError{Field: "username", Flag: "--username", Rule: fmt.Sprintf("must match Solvimon's pattern %s (ASCII letters, digits and punctuation; no spaces, quotes, backquotes, braces, '|', '~' or non-ASCII characters; got %q)", usernamePattern(), v)}
	}
	return nil
}

// usernameColonWarning is the warning for a user name with ':' ("" for
// none). The schema calls the pair "the username used for basic
// authentication", and HTTP Basic (RFC 7617 section 2) cannot carry a ':'
// in the user-id: the endpoint splits "user:password" at the first ':',
// so it reads a shorter user name and a longer password than were set.
func usernameColonWarning(v string) string {
	if !strings.Contains(v, ":") {
		return ""
	}
	return fmt.Sprintf("warning: solvimon: --username %q contains ':', which Solvimon's pattern allows but HTTP Basic authentication cannot carry (RFC 7617): your endpoint will read the user name only up to the first ':' and the rest as the start of the password", text.Printable(v))
}

// DefaultSigningProtocol is the signing_protocol register sends unless
// --signing-protocol says otherwise: the only value Solvimon documents (its
// create example), and the one `hookctl verify` checks.
const DefaultSigningProtocol = "HmacSHA256"

// parseSigningProtocol reads --signing-protocol: the documented name in
// any case, or another plain name, sent as given with a warning ("" for
// none), since Solvimon may know protocols its docs do not list.
func parseSigningProtocol(s string) (value, warning string, err error) {
	v := strings.TrimSpace(s)
	if strings.EqualFold(v, DefaultSigningProtocol) {
		return DefaultSigningProtocol, "", nil
	}
	if len(v) > maxFieldLen || !signingProtocolPattern().MatchString(v) {
		return "", "", (&fieldError{Field: "signing_protocol", Flag: "--signing-protocol", Rule: fmt.Sprintf("must be a protocol name such as %s (got %q)", DefaultSigningProtocol, s)}).usage()
	}
	return v, fmt.Sprintf("warning: solvimon: signing protocol %q is not %s, the only one Solvimon documents: Solvimon may refuse it, and `hookctl verify` checks %s signatures only", v, DefaultSigningProtocol, DefaultSigningProtocol), nil
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
		return &fieldError{Field: field, Flag: flag, Rule: fmt.Sprintf("must be ASCII letters, digits, '_' and '-' only (Solvimon's pattern %s, read as the whole value; got %q)", apiHeaderFieldPattern(), v)}
	}
	// The whole-value pattern leaves only HTTP token characters (RFC 9110),
	// so the name is also one a delivery can carry.
	return nil
}

// checkAPIKey never quotes the value: it is a secret.
func checkAPIKey(v string) *fieldError {
	const field, flag = "api_key", "--endpoint-secret-file"
	if n := utf8.RuneCountInString(v); n > maxFieldLen {
		return &fieldError{Field: field, Flag: flag, Rule: fmt.Sprintf("must be 0 to %d characters (got %d)", maxFieldLen, n)}
	}
	if !apiKeyPattern().MatchString(v) {
		return &fieldError{Field: field, Flag: flag, Rule: "must be ASCII letters and digits only (Solvimon's pattern " + apiKeyPattern().String() + ", read as the whole value)"}
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

func validateSigningProtocol(s string) error {
	_, _, err := parseSigningProtocol(s)
	return err
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
