// Package pexa adapts PEXA's Notification Service ("Webhooks Registration
// API") to hookctl's provider-neutral model, for both of PEXA's regions:
// the UK portal ("notifications v1/v2", paths under
// /partner/api/notification) and Australia (v1, v2 and v3 directly under the
// API host). Its emulator, for `hookctl sandbox` and these tests, is
// internal/emulator/pexa, written separately.
//
// Wire facts follow PEXA's own OpenAPI and webhook documents (copies in
// testdata/) and the project's docs/providers/pexa.md. The tests validate every request
// the client sends against PEXA's OpenAPI document, so the client and the
// emulator cannot quietly agree on something the real API would reject.
package pexa

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Name is the provider id used in profiles.
const Name = "pexa"

// Regions and environments.
const (
	RegionUK = "uk"
	RegionAU = "au"
	EnvProd  = "prod"
	EnvTest  = "test"
)

// SecretOverlap is how long PEXA keeps signing with the previous shared
// secret after a rotation: "The previous secret remains valid for 24 hours"
// (PEXA's OpenAPI, createNotificationSecretRotation).
const SecretOverlap = 24 * time.Hour

// SecretLifetime is how long a shared secret lives: "The shared secret
// expires after 30 days" (PEXA's OpenAPI).
const SecretLifetime = 30 * 24 * time.Hour

// Scheme is the delivery signature scheme `hookctl verify` uses: PEXA signs
// Standard Webhooks style (webhook-id, webhook-timestamp, webhook-signature).
const Scheme = "standard-webhooks"

// Profile settings (Spec.Fields).
const (
	FieldClientID  = "client-id"
	FieldAPIPrefix = "api-prefix"
	FieldAudience  = "audience"
	// FieldScopes replaces the scopes each operation's token asks for
	// (operationScopes) with one set for every call.
	FieldScopes = "scopes"
	// FieldReadPath is the path, under the API prefix, of the paged GET
	// that lists and reads registrations (DefaultReadPath).
	FieldReadPath = "read-path"
)

// DefaultReadPath is AU's v2 read [SEC: PEXA's AU OpenAPI]; the UK portal
// shows no read operation, so for UK it is inferred by analogy [INF] and
// `hookctl doctor` tries ReadPathCandidates when it fails.
const DefaultReadPath = "/v2/notification-registrations"

// ReadPathCandidates are the read paths doctor tries, in order: the
// same paged GET (registrationId, page, limit) under each API version
// PEXA has.
var ReadPathCandidates = []string{DefaultReadPath, "/v1/notification-registrations", "/v3/notification-registrations"}

// Register/update parameters (CreateRequest.Params / UpdateRequest.Params).
// They map onto the AU v3 body's attributes.authenticationMode and
// attributes.authConfig.
const (
	ParamAuthMode             = "auth-mode"
	ParamAuthURL              = "auth-url"
	ParamAuthClientID         = "auth-client-id"
	ParamAuthClientAuthMethod = "auth-client-auth-method"
	ParamAuthClientSecretFile = "auth-client-secret-file"
	ParamAuthAudience         = "auth-audience"
	ParamAuthScope            = "auth-scope"
)

// Authentication modes and client auth methods of the AU v3 API.
const (
	AuthModeHMAC      = "HMAC"
	AuthModeHMACOAuth = "HMAC_OAUTH"

	ClientAuthPrivateKeyJWT = "private_key_jwt"
	ClientAuthClientSecret  = "client_secret"
)

// Credential names (keyring entries "<profile>/<name>").
const (
	CredClientSecret = "client-secret"
	// CredToken is the cached OAuth2 access token; hookctl writes it itself.
	CredToken = "token"
)

// Default hosts per region and environment (docs/providers/pexa.md table 1.2). The UK
// test environment has no published host, so it has no defaults: such a
// profile needs --base-url and --token-url.
const (
	UKProdBaseURL  = "https://api.pexa.co.uk"
	UKProdTokenURL = "https://login.pexauk.co.uk/oauth/token"
	AUProdBaseURL  = "https://api.pexa.com.au"
	AUProdTokenURL = "https://auth.pexa.com.au/oauth/token"
	AUTestBaseURL  = "https://api-tst.pexalabs.com.au"
	AUTestTokenURL = "https://auth-tst.pexalabs.com.au/oauth/token"
)

// UKAPIPrefix is the path the UK API lives under. The AU prefix is
// ambiguous (PEXA's AU spec puts /v1/... directly under the host, while the
// AU guide's prose says /notification/v1/...), so AU defaults to none and
// both are configurable with the api-prefix setting.
const UKAPIPrefix = "/partner/api/notification"

// Params are the provider-specific flags of `register` and `update`.
func Params() []provider.Field {
	return []provider.Field{
		{Name: ParamAuthMode, Usage: "how PEXA authenticates deliveries: HMAC or HMAC_OAUTH (AU only; uses the v3 API)", Validate: func(s string) error { _, err := parseAuthMode(s); return err }},
		{Name: ParamAuthURL, Usage: "your OAuth2 token endpoint PEXA gets a token from with --auth-mode HMAC_OAUTH (domain whitelisted by PEXA)", Validate: validateAuthURL},
		{Name: ParamAuthClientID, Usage: "client id PEXA uses at --auth-url", Validate: validateToken(ParamAuthClientID)},
		{Name: ParamAuthClientAuthMethod, Usage: "how PEXA authenticates at --auth-url: private_key_jwt or client_secret", Validate: func(s string) error { _, err := parseClientAuthMethod(s); return err }},
		{Name: ParamAuthClientSecretFile, Usage: "file holding the client secret PEXA uses at --auth-url with client_secret (never on the command line)"},
		{Name: ParamAuthAudience, Usage: "audience PEXA asks --auth-url for (optional)", Validate: validateToken(ParamAuthAudience)},
		{Name: ParamAuthScope, Usage: "space-separated scopes PEXA asks --auth-url for (optional)", Validate: validateScope},
	}
}

// Spec describes PEXA to the rest of hookctl.
func Spec() provider.Spec {
	return provider.Spec{
		Name:         Name,
		Title:        "PEXA Notification Service",
		Regions:      []string{RegionUK, RegionAU},
		Environments: []string{EnvProd, EnvTest},
		Fields: []provider.Field{
			{Name: FieldClientID, Usage: "OAuth2 client id of your PEXA API client", Required: true, Validate: validateToken(FieldClientID)},
			{Name: FieldAPIPrefix, Usage: `path before /v1, /v2, /v3 (default: uk "` + UKAPIPrefix + `", au none; "/" for none)`, Validate: validateAPIPrefix},
			{Name: FieldAudience, Usage: "audience sent to the token endpoint (Auth0-style endpoints that need one)", Validate: validateToken(FieldAudience)},
			{Name: FieldReadPath, Usage: "path under the API prefix of the paged GET that lists and reads registrations (default " + DefaultReadPath + "; `hookctl doctor` finds it)", Validate: validateReadPath},
			{Name: FieldScopes, Usage: "OAuth2 scopes to ask for on every call, space- or comma-separated (default: each operation's own scope)", Validate: validateScopes, Normalize: normalizeScopes},
			provider.StrictEventsField(),
		},
		Credentials: []provider.Credential{
			{Name: CredClientSecret, Prompt: "PEXA OAuth2 client secret"},
			{Name: CredToken, Cache: true},
		},
		Params:          Params(),
		Scheme:          Scheme,
		SecretOverlap:   SecretOverlap,
		ValidateProfile: validateProfile,
		New:             func(d provider.Deps) (webhook.Provider, error) { return New(d) },
		DoctorChecks:    DoctorChecks,
		Assumptions:     Assumptions(),
		Manifest:        manifest(),
		ListPageSize:    maxPageSize,
		Capabilities:    []string{"RequestChecker", "SampleDeliverer"},
		AllEvents: provider.AllEvents{Refusal: "PEXA takes named events only (" + MandatoryEvent + " and at least one other) and has no \"every event\"; " +
			"hookctl's copy of a region's catalogue can lag PEXA's, so \"all\" would quietly mean \"all hookctl knew of\""},
	}
}

func validateProfile(p config.Profile) error {
	switch p.Region {
	case RegionUK, RegionAU:
	case "":
		return webhook.Invalid("pexa: a region is required (uk or au)")
	default:
		return webhook.Invalid("pexa: unknown region %q (want uk or au)", p.Region)
	}
	if p.Setting(FieldClientID) == "" {
		return webhook.Invalid("pexa: --client-id is required (the OAuth2 client id PEXA issued)")
	}
	if err := validateToken(FieldClientID)(p.Setting(FieldClientID)); err != nil {
		return err
	}
	if v := p.Setting(FieldAudience); v != "" {
		if err := validateToken(FieldAudience)(v); err != nil {
			return err
		}
	}
	if v := p.Setting(FieldScopes); v != "" {
		if err := validateScopes(v); err != nil {
			return err
		}
	}
	_, err := resolveEndpoints(p) // also checks api-prefix and the hosts
	return err
}

// endpoints are a profile's resolved API base (prefix included) and token URL.
type endpoints struct {
	api   string // e.g. https://api.pexa.co.uk/partner/api/notification
	token string
}

// resolveEndpoints applies docs/providers/pexa.md table 1.2, overridden by the
// profile's base-url and token-url.
func resolveEndpoints(p config.Profile) (endpoints, error) {
	env := p.Environment
	if env == "" {
		env = EnvProd
	}
	var base, token string
	switch p.Region + "/" + env {
	case "uk/prod":
		base, token = UKProdBaseURL, UKProdTokenURL
	case "uk/test":
		// No published host: the profile must say where it is.
	case "au/prod":
		base, token = AUProdBaseURL, AUProdTokenURL
	case "au/test":
		base, token = AUTestBaseURL, AUTestTokenURL
	default:
		return endpoints{}, webhook.Invalid("pexa: unknown region/environment %s/%s (regions uk, au; environments prod, test)", orDash(p.Region), env)
	}
	if p.BaseURL != "" {
		base = p.BaseURL
	}
	if p.TokenURL != "" {
		token = p.TokenURL
	}
	if base == "" || token == "" {
		return endpoints{}, webhook.Invalid("pexa: PEXA publishes no %s %s host; give the profile both --base-url and --token-url (hookctl profile add NAME --provider pexa --region %s --environment %s --base-url URL --token-url URL ...)",
			describeRegion(p.Region), env, p.Region, env)
	}
	for _, u := range []struct{ what, v string }{{"base URL", base}, {"token URL", token}} {
		pu, err := url.Parse(u.v)
		if err != nil || !pu.IsAbs() || pu.Host == "" || (pu.Scheme != "https" && pu.Scheme != "http") {
			return endpoints{}, webhook.Invalid("pexa: %s %q must be an absolute URL such as %s", u.what, u.v, UKProdBaseURL)
		}
	}
	prefix := p.Setting(FieldAPIPrefix)
	if prefix == "" && p.Region == RegionUK {
		prefix = UKAPIPrefix
	}
	if err := validateAPIPrefix(prefix); err != nil {
		return endpoints{}, err
	}
	return endpoints{api: strings.TrimRight(base, "/") + strings.TrimRight(prefix, "/"), token: token}, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func validateAPIPrefix(s string) error {
	if s == "" {
		return nil
	}
	if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, "?# \t") || strings.ContainsFunc(s, text.IsControl) {
		return webhook.Invalid("pexa: api-prefix %q must be a path starting with / (e.g. %s, or / for none)", s, UKAPIPrefix)
	}
	return nil
}

func validateReadPath(s string) error {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "?# \t") || strings.ContainsFunc(s, text.IsControl) {
		return webhook.Invalid("pexa: %s %q must be a path starting with / (e.g. %s)", FieldReadPath, s, DefaultReadPath)
	}
	return nil
}

// validateToken rejects values that cannot be a single id: empty, or with
// spaces or control characters (a pasted line break, typically).
func validateToken(name string) func(string) error {
	return func(s string) error {
		if s == "" || strings.ContainsFunc(s, isControlOrSpace) {
			return webhook.Invalid("pexa: --%s %q must be a non-empty value without spaces", name, s)
		}
		return nil
	}
}

func validateScope(s string) error {
	if strings.TrimSpace(s) == "" || strings.ContainsFunc(s, text.IsControl) {
		return webhook.Invalid("pexa: --%s %q must be space-separated scope names", ParamAuthScope, s)
	}
	return nil
}

// validateAuthURL: the endpoint PEXA posts client credentials to. https is
// required because PEXA would send a client secret (or signed assertion) there.
func validateAuthURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return webhook.Invalid("pexa: --%s %q must be an https:// token endpoint URL (e.g. https://auth.example.com/oauth/token)", ParamAuthURL, s)
	}
	return nil
}

func parseAuthMode(s string) (string, error) {
	switch strings.ToUpper(s) {
	case AuthModeHMAC:
		return AuthModeHMAC, nil
	case AuthModeHMACOAuth:
		return AuthModeHMACOAuth, nil
	}
	return "", webhook.Invalid("pexa: --%s %q: want %s or %s", ParamAuthMode, s, AuthModeHMAC, AuthModeHMACOAuth)
}

func parseClientAuthMethod(s string) (string, error) {
	switch strings.ToLower(s) {
	case ClientAuthPrivateKeyJWT:
		return ClientAuthPrivateKeyJWT, nil
	case ClientAuthClientSecret:
		return ClientAuthClientSecret, nil
	}
	return "", webhook.Invalid("pexa: --%s %q: want %s or %s", ParamAuthClientAuthMethod, s, ClientAuthPrivateKeyJWT, ClientAuthClientSecret)
}

func isControlOrSpace(r rune) bool { return text.IsControl(r) || r == ' ' || r == '\u00a0' }

// apiOp is an API call hookctl makes, for choosing its OAuth2 scope.
type apiOp string

const (
	opCreate apiOp = "register"
	opEdit   apiOp = "update"
	opDelete apiOp = "delete"
	opRotate apiOp = "rotate-secret"
	opRead   apiOp = "list/get"
)

// operationScopes is the scope each operation's token asks for, per region:
// only what that call needs, from the region's documented set (asking for every scope at once made the token request fail for a client
// without one of them, e.g. a UK client of the v1 API, which does not
// define view:notification_registrations). A profile's scopes setting
// replaces them.
var operationScopes = map[string]map[apiOp]string{
	// UK [docs/providers/pexa.md 1.3]: the v1 reference defines create, edit, delete
	// and create:..._secret_rotation, and its create/update/delete/rotate
	// operations are the v1 ones hookctl calls [DOC]; that each operation
	// needs the scope of its own name is [INF] (the UK pages list scopes,
	// not which operation takes which; AU's spec pairs them so). v1 has no
	// read: view:notification_registrations is a v2 scope [DOC], and the
	// UK v2 GET that hookctl reads with is [INF] by analogy with AU.
	RegionUK: {
		opCreate: "create:notification_registrations",
		opEdit:   "edit:notification_registrations",
		opDelete: "delete:notification_registrations",
		opRotate: "create:notification_registrations_secret_rotation",
		opRead:   "view:notification_registrations",
	},
	// AU [SEC: PEXA's OpenAPI, read through the aggregation repo]: each
	// operation's description names its scope, and securitySchemes lists
	// exactly these five.
	RegionAU: {
		opCreate: "create:notification_registrations",
		opEdit:   "edit:notification_registrations",
		opDelete: "delete:notification_registrations",
		opRotate: "create:notification_registrations_secret_rotation",
		opRead:   "view:notification_registrations",
	},
}

// parseScopes splits a scopes setting (space- or comma-separated) into
// RFC 6749 scope tokens, in order, once each.
func parseScopes(s string) ([]string, error) {
	var out []string
	for _, sc := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		for _, r := range sc {
			// scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) [RFC 6749 3.3]
			if r < 0x21 || r > 0x7e || r == '"' || r == '\\' {
				return nil, webhook.Invalid("pexa: scope %q is not an OAuth2 scope (printable ASCII without spaces, quotes or backslashes)", sc)
			}
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, webhook.Invalid("pexa: --%s needs at least one scope (space- or comma-separated)", FieldScopes)
	}
	return out, nil
}

func validateScopes(s string) error { _, err := parseScopes(s); return err }

// normalizeScopes saves a scopes setting space-separated, as OAuth2 sends it.
func normalizeScopes(s string) string {
	sc, _ := parseScopes(s)
	return strings.Join(sc, " ")
}

// describeRegion names a region for messages.
func describeRegion(r string) string {
	switch r {
	case RegionUK:
		return "UK"
	case RegionAU:
		return "AU"
	}
	return fmt.Sprintf("%q", r)
}
