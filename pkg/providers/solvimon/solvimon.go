// Package solvimon adapts Solvimon's Configuration API webhooks
// (https://docs.solvimon.com, "Configuration API / Webhooks") to hookctl's
// provider-neutral model.
//
// Wire facts follow Solvimon's published OpenAPI document (a copy is in
// internal/testkit/spectest/specs), its rendered API reference (the field
// patterns, and the create example in testdata/) and the project's
// docs/providers/solvimon.md. The tests run the client
// against the emulator in internal/emulator/solvimon, written separately
// from the same documents, with the traffic checked against the OpenAPI
// document, so the client and the emulator cannot quietly agree on
// something the real API would reject.
package solvimon

import (
	"fmt"
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Name is the provider id used in profiles.
const Name = "solvimon"

// Default API bases. The API version is a path segment (/v1) that the
// client appends, so a --base-url override stays a plain prefix.
const (
	TestBaseURL = "https://test.api.solvimon.com"
	LiveBaseURL = "https://api.solvimon.com"
)

// SecretOverlap is how long Solvimon keeps signing with the previous secret
// after a roll ("both new and previous secret remain valid for up to 24 h").
const SecretOverlap = 24 * time.Hour

// Scheme is the delivery signature scheme `hookctl verify` uses for
// Solvimon profiles.
const Scheme = "solvimon"

// Register/update parameter names (CreateRequest.Params / UpdateRequest.Params).
const (
	ParamReference           = "reference"
	ParamAuthType            = "auth-type"
	ParamUsername            = "username"
	ParamAPIHeaderField      = "api-header-field"
	ParamEndpointSecretFile  = "endpoint-secret-file"
	ParamIncludePreviousData = "include-previous-data"
	ParamExcludedActions     = "excluded-actions"
	ParamSigningProtocol     = "signing-protocol"
)

// FieldPlatformID is the profile setting sent as x-platform-id.
const FieldPlatformID = "platform-id"

// Params are the provider-specific flags of `register` and `update`.
func Params() []provider.Field {
	return []provider.Field{
		{Name: ParamReference, Usage: "your own reference for the webhook (required on register)", Validate: validateReference},
		{Name: ParamAuthType, Usage: "how the provider authenticates to your endpoint: PASSWORD, API_KEY or NONE (default NONE)", Validate: validateAuthTypeParam},
		{Name: ParamUsername, Usage: "user name Solvimon sends with --auth-type PASSWORD", Validate: validateUsername},
		{Name: ParamAPIHeaderField, Usage: "header Solvimon puts the key in with --auth-type API_KEY (e.g. X-API-KEY)", Validate: validateAPIHeaderField},
		{Name: ParamEndpointSecretFile, Usage: "file holding the password or API key your endpoint expects (never on the command line)"},
		{Name: ParamIncludePreviousData, Usage: "deliveries also carry the previous state: true or false", Validate: func(s string) error { _, err := parseBoolParam(ParamIncludePreviousData, s); return err }},
		{Name: ParamExcludedActions, Usage: "comma-separated RESOURCE.ACTION events never to deliver", Validate: func(s string) error { _, err := parseActionList(ParamExcludedActions, s); return err }},
		{Name: ParamSigningProtocol, Usage: "how Solvimon signs deliveries: " + DefaultSigningProtocol + ", the only documented protocol (sent by default on register)", Validate: validateSigningProtocol},
	}
}

// Spec describes Solvimon to the rest of hookctl.
func Spec() provider.Spec {
	return provider.Spec{
		Name:         Name,
		Title:        "Solvimon Configuration API",
		Environments: []string{"test", "live"},
		Fields: []provider.Field{{
			Name:     FieldPlatformID,
			Usage:    "Solvimon platform (sub-account) id, sent as x-platform-id",
			Validate: validatePlatformID,
		}, provider.StrictEventsField()},
		Credentials: []provider.Credential{
			{Name: "api-key", Prompt: "Solvimon API key"},
			// A Bearer JWT from Solvimon's Identity API works instead of an
			// API key; it is used only when no api-key is stored or set.
			{Name: "token", Prompt: "Solvimon Bearer token (instead of an API key)", Optional: true},
		},
		Params:          Params(),
		Scheme:          Scheme,
		SecretOverlap:   SecretOverlap,
		ValidateProfile: validateProfile,
		New:             func(d provider.Deps) (webhook.Provider, error) { return New(d) },
		DoctorChecks:    DoctorChecks,
		Assumptions:     Assumptions(),
		AllEvents: provider.AllEvents{
			Sends:  "no included_actions filter (included_actions: []), which hookctl infers to mean every action: Solvimon's documents do not say",
			Notice: "solvimon: every event is sent as no included_actions filter; that Solvimon then delivers every action (less --excluded-actions) is hookctl's inference: its documents do not say what an empty list means",
		},
		Manifest:     manifest(),
		ListPageSize: defaultPageSize,
		Capabilities: []string{"RequestChecker", "Tester", "PenaltyBox", "ConnectionTester", "PreviousSecretRevoker",
			"DeliveryResender", "SampleDeliverer"},
	}
}

func validateProfile(p config.Profile) error {
	if p.Environment != "" && baseURLFor(p.Environment) == "" {
		return webhook.Invalid("solvimon: unknown environment %q (want test or live)", p.Environment)
	}
	if v := p.Setting(FieldPlatformID); v != "" {
		return validatePlatformID(v)
	}
	return nil
}

func validatePlatformID(s string) error {
	if strings.TrimSpace(s) != s || s == "" || strings.ContainsFunc(s, isControlOrSpace) {
		return webhook.Invalid("solvimon: platform-id %q must be a non-empty id without spaces", s)
	}
	return nil
}

// baseURLFor is the default API base of an environment; "" means test, the
// first (default) environment.
func baseURLFor(env string) string {
	switch env {
	case "", "test":
		return TestBaseURL
	case "live":
		return LiveBaseURL
	}
	return ""
}

// eventResources and eventActions are Solvimon's webhook catalogue as
// published in its webhook guide (internal/testkit/spectest/specs/solvimon-webhooks.yml, captured
// on builtInOrigin's date). The account's own list, finer actions such as
// INVOICE.PAID included, comes from GET /v1/webhooks/actions: `hookctl
// events` reads it there and falls back to this list offline.
var (
	eventResources = []string{
		"CUSTOMER", "PLATFORM", "PRICING_PLAN", "PRICING_PLAN_VERSION", "PRICING_PLAN_SUBSCRIPTION",
		"PRICING_PLAN_SCHEDULE", "QUOTE", "QUOTE_VERSION", "CONTACT", "ALERT_RULE", "METER",
		"METER_PROPERTY", "METER_VALUE", "METER_VALUE_CALCULATION", "BILLABLE_METRIC", "PRODUCT",
		"PRODUCT_ITEM", "PRODUCT_CATEGORY", "BILLING_ENTITY", "FEATURE", "PAYMENT_ACCEPTOR", "INVOICE",
		"FILE_PROCESSING_SETTINGS", "WEBHOOK", "FILE",
	}
	eventActions = []string{"CREATED", "UPDATED", "DELETE"}
)

// builtInOrigin dates the guide's capture ("generated" in the testdata copy).
const builtInOrigin = "Solvimon's webhook guide, captured 2026-07-21; the account's own list is at GET /v1/webhooks/actions"

// builtInCatalogue lists every documented RESOURCE.ACTION.
func builtInCatalogue() *webhook.EventCatalogue {
	out := make([]webhook.EventType, 0, len(eventResources)*len(eventActions))
	for _, r := range eventResources {
		for _, a := range eventActions {
			out = append(out, webhook.EventType{Name: r + "." + a, Description: describeAction(r, a)})
		}
	}
	return webhook.BuiltInCatalogue("Solvimon's webhook actions", builtInOrigin, out)
}

// describeAction says what RESOURCE.ACTION means: "a customer was created",
// "invoice: status to final".
func describeAction(resource, action string) string {
	what := strings.ToLower(strings.ReplaceAll(resource, "_", " "))
	switch action {
	case "CREATED", "UPDATED":
		return fmt.Sprintf("a %s was %s", what, strings.ToLower(action))
	case "DELETE":
		return fmt.Sprintf("a %s was deleted", what)
	}
	return what + ": " + strings.ToLower(strings.ReplaceAll(action, "_", " "))
}
