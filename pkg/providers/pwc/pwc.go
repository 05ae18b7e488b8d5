// Package pwc adapts the webhook API of PwC Germany's Report Filing Service
// (a ServiceStack service built on the open-source ServiceStack.Webhooks
// plugin) to hookctl's provider-neutral model. Its emulator, which
// `hookctl sandbox` serves and the tests here run against, is the separate
// package internal/emulator/pwc.
//
// Facts are tagged as in docs/providers/pwc.md: [DOC] PwC's ServiceStack metadata
// pages, [SEC] the ServiceStack.Webhooks library PwC builds on, [INF] our
// inference where both are silent. Three things make PwC unlike the other
// providers, and shape this package:
//
//   - the client chooses every signing secret and must present the current
//     one as proof of ownership to update or delete a subscription [DOC], so
//     the stored secret is needed to administer a subscription, not only to
//     verify deliveries;
//   - secrets come back encrypted to an RSA public key the client sends as
//     .NET RSAKeyValue XML [DOC], so every profile has a key pair
//     (`hookctl keys generate`);
//   - a subscription has exactly one event [DOC], so registering several
//     events creates several subscriptions, each with its own secret.
package pwc

import (
	"regexp"
	"strings"
	"sync"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Name is the provider id used in profiles.
const Name = "pwc"

// Default API bases [DOC]. There is no version segment.
const (
	ProdBaseURL    = "https://reportfiling.pwc.de"
	StagingBaseURL = "https://reportfiling.staging.pwc.de"
)

// Scheme is the delivery signature scheme `hookctl verify` uses for PwC
// profiles: X-Hub-Signature in ServiceStack.Webhooks' format.
const Scheme = "hub-signature"

// Profile fields (Profile.Settings keys).
const (
	FieldTaxNumber = "tax-number"
	FieldAccountID = "account-id"
	// FieldGetRoute is the route flavour, sync or async, of the read of
	// one subscription by id: PwC's metadata documents it under /async/
	// only; every other operation is documented under both.
	FieldGetRoute = "get-route"
	// FieldLoginMode is how hookctl authenticates to PwC's API, which no
	// public page describes (LoginCredentials, LoginBasic, LoginSession).
	FieldLoginMode = "login-mode"
)

// Login modes: ServiceStack's usual ways to authenticate a service call
// [SEC: ServiceStack's auth providers]. Which one PwC enables is not
// published [UNKNOWN], so it is a profile setting.
const (
	// LoginCredentials: POST /auth/credentials {userName, password}
	// answers a bearerToken, sent as "Authorization: Bearer" (the
	// default, hookctl's inference from PwC's sister service).
	LoginCredentials = "credentials"
	// LoginBasic: HTTP Basic with the user name and password on every
	// request (ServiceStack's BasicAuthProvider); no login call.
	LoginBasic = "basic"
	// LoginSession: the same login, answered with a session id only (a
	// host without ServiceStack's JWT provider), sent as the ss-id cookie.
	LoginSession = "session"
)

// Route flavours [DOC: every operation exists as /sync/... and /async/...].
const (
	RouteSync  = "sync"
	RouteAsync = "async"
)

// ParamContentType is the register/update flag for the delivery content type.
const ParamContentType = "content-type"

// Credential names in the keyring ("<profile>/<name>").
const (
	CredUsername = "username"
	CredPassword = "password"
	// CredRSAKey is the PKCS#8 PEM private key from `hookctl keys generate`
	// (HOOKCTL_RSA_KEY overrides it).
	CredRSAKey = "rsa-key"
	// CredToken caches the bearer token of the credentials login.
	CredToken = "token"
)

// ContentTypeJSON is the only delivery content type the library accepts
// [SEC: SubscriptionConfigValidator compares with MimeTypes.Json].
const ContentTypeJSON = "application/json"

var (
	// taxNumberPattern is authSteuernummer: 2 capital letters and 9 digits [DOC].
	taxNumberPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]{2}[0-9]{9}$`) })
	// accountIDPattern is accountId: 10 digits [DOC].
	accountIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{10}$`) })
)

// Spec describes PwC to the rest of hookctl.
func Spec() provider.Spec {
	return provider.Spec{
		Name:         Name,
		Title:        "PwC Report Filing Service",
		Environments: []string{"prod", "staging"},
		Fields: []provider.Field{
			{Name: FieldTaxNumber, Usage: "tax number the subscriptions belong to (authSteuernummer: 2 capital letters and 9 digits, e.g. DE123456789)", Required: true, Validate: validateTaxNumber},
			{Name: FieldAccountID, Usage: "PwC account id (10 digits)", Required: true, Validate: validateAccountID},
			{Name: FieldLoginMode, Usage: "how hookctl authenticates: credentials (default: POST /auth/credentials, then a bearer token), basic (HTTP Basic on every request) or session (the login's ss-id session cookie); PwC does not publish which", Validate: validateLoginMode},
			{Name: FieldGetRoute, Usage: "route of the read of one subscription: sync (default, as every other call) or async (the only one PwC documents for it); `hookctl doctor` finds it", Validate: validateGetRoute},
		},
		Credentials: []provider.Credential{
			{Name: CredUsername, Prompt: "PwC Report Filing user name"},
			{Name: CredPassword, Prompt: "PwC Report Filing password"},
			{Name: CredRSAKey, Prompt: "RSA private key (PEM) that decrypts the secrets PwC returns", Generated: true},
			{Name: CredToken, Cache: true},
		},
		Params: []provider.Field{
			{Name: ParamContentType, Usage: "content type of deliveries; PwC accepts only application/json", Validate: validateContentType},
		},
		Scheme: Scheme,
		// [INF] no grace period is documented for a rotated-out secret, so
		// the switch is treated as immediate (see RotateSecret).
		SecretOverlap:   0,
		ValidateProfile: validateProfile,
		New:             func(d provider.Deps) (webhook.Provider, error) { return New(d) },
		DoctorChecks:    DoctorChecks,
		Assumptions:     Assumptions(),
		Manifest:        manifest(),
		Capabilities:    []string{"EventLister", "RequestChecker", "RotationChecker", "CurrentSecretProver", "Reconciler", "SampleDeliverer"},
		AllEvents: provider.AllEvents{Refusal: "a PwC subscription has exactly one event and PwC publishes no event list: " +
			"each --event becomes its own subscription"},
	}
}

func validateProfile(p config.Profile) error {
	if p.Environment != "" && baseURLFor(p.Environment) == "" {
		return webhook.Invalid("pwc: unknown environment %q (want prod or staging)", p.Environment)
	}
	if v := p.Setting(FieldTaxNumber); v != "" {
		if err := validateTaxNumber(v); err != nil {
			return err
		}
	}
	if v := p.Setting(FieldAccountID); v != "" {
		return validateAccountID(v)
	}
	return nil
}

// baseURLFor is the default API base of an environment; "" means prod, the
// first (default) environment.
func baseURLFor(env string) string {
	switch env {
	case "", "prod":
		return ProdBaseURL
	case "staging":
		return StagingBaseURL
	}
	return ""
}

func validateTaxNumber(s string) error {
	if !taxNumberPattern().MatchString(s) {
		return webhook.Invalid("pwc: tax-number %q must be 2 capital letters followed by 9 digits (e.g. DE123456789)", s)
	}
	return nil
}

func validateAccountID(s string) error {
	if !accountIDPattern().MatchString(s) {
		return webhook.Invalid("pwc: account-id %q must be exactly 10 digits", s)
	}
	return nil
}

func validateContentType(s string) error {
	if !strings.EqualFold(strings.TrimSpace(s), ContentTypeJSON) {
		return webhook.Invalid("pwc: --content-type %q is not accepted: PwC delivers only %s", s, ContentTypeJSON)
	}
	return nil
}

func validateGetRoute(s string) error {
	if s != RouteSync && s != RouteAsync {
		return webhook.Invalid("pwc: %s %q must be %s or %s", FieldGetRoute, s, RouteSync, RouteAsync)
	}
	return nil
}

func validateLoginMode(s string) error {
	switch s {
	case LoginCredentials, LoginBasic, LoginSession:
		return nil
	}
	return webhook.Invalid("pwc: %s %q must be %s, %s or %s", FieldLoginMode, s, LoginCredentials, LoginBasic, LoginSession)
}
