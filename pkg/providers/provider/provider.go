// Package provider is the contract between hookctl's commands and the
// provider packages: what a provider declares about itself (profile fields,
// credentials, defaults) and what it needs to run. It is a leaf so provider
// packages can import it while pkg/providers imports them.
package provider

import (
	"io"
	"net/http"
	"time"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Field is a provider-specific, non-secret profile setting (e.g. client-id).
// It becomes a `profile add --<Name>` flag and lives in Profile.Settings.
type Field struct {
	Name     string
	Usage    string
	Required bool
	Validate func(string) error
	// Normalize, when set, rewrites a valid value before it is saved
	// (e.g. a list in one spelling).
	Normalize func(string) string
	// Bool makes it a boolean flag (--name, --name=false), saved as
	// "true" or "false".
	Bool bool
}

// FieldStrictEvents is the profile setting behind --strict-events: refuse
// event names missing from the provider's catalogue instead of sending
// them with a warning. Providers that publish event names list it in
// their Fields (PwC publishes none, so there is nothing to be strict
// against).
const FieldStrictEvents = "strict-events"

// StrictEventsField is FieldStrictEvents as a Field.
func StrictEventsField() Field {
	return Field{Name: FieldStrictEvents, Bool: true,
		Usage: "refuse event names missing from the provider's catalogue (default: send them with a warning)"}
}

// Credential is a login secret a provider needs, stored at "<profile>/<Name>",
// overridable by credentials.EnvVar(Name).
type Credential struct {
	Name   string // "api-key", "client-secret", "username", ...
	Prompt string // shown by `auth login` on a terminal
	// Optional credentials (e.g. Solvimon "token" as an alternative to "api-key").
	Optional bool
	// Generated credentials come from `hookctl keys generate`, not `auth login`.
	Generated bool
	// Cache marks entries hookctl writes itself (access tokens): removed by
	// logout, never asked for.
	Cache bool
	// KeyRecord marks a Cache entry that records what the provider did
	// with a generated key (OffBlocks' id for the uploaded signing key),
	// not what a login obtained: `auth login` and `auth logout` keep it
	// with the key. The provider checks it on every use against what it
	// was recorded for (key, API base, account).
	KeyRecord bool
}

// Deps is what a provider client needs, built by the Factory.
type Deps struct {
	Profile config.Profile // BaseURL already resolved (flag > env > profile > default)
	HTTP    *http.Client
	Creds   *credentials.Store
	ErrOut  io.Writer // warnings and notices for the user (stderr)
	Now     func() time.Time
}

// Spec is everything hookctl knows about a provider.
type Spec struct {
	Name         string // id used in profiles: pexa, solvimon, offblocks, pwc
	Title        string
	Regions      []string // allowed --region values (nil: flag not used)
	Environments []string // allowed --environment values; first is the default
	Fields       []Field
	Credentials  []Credential
	// Params are provider-specific `register`/`update` flags (e.g.
	// "reference"); values arrive in CreateRequest/UpdateRequest.Params.
	// Never a secret: secret params are file paths (name ends in "-file").
	Params []Field
	// Scheme is the delivery signature scheme `verify` uses for this provider
	// (a pkg/signature scheme name).
	Scheme string
	// SecretOverlap is how long a rotated-out secret stays valid at the
	// provider (0: revoked at once); also what verify honours.
	SecretOverlap time.Duration
	// ValidateProfile checks a profile before it is saved (region/env combos).
	ValidateProfile func(config.Profile) error
	New             func(Deps) (webhook.Provider, error)
	// DoctorChecks names the checks the client's webhook.Doctor reports,
	// in order, beyond webhook.GenericChecks.
	DoctorChecks []string
	// NoEvents is what a registration made without --event receives, where
	// the provider takes one ("" where the client refuses it): register
	// says it, so nobody creates a webhook by accident that gets
	// everything, or nothing.
	NoEvents string
	// Assumptions are the facts the provider's code relies on that were
	// inferred rather than read (docs/guides/provider-assumptions.md).
	Assumptions []Assumption
	// Manifest is how `hookctl export`, `diff` and `apply` see the
	// provider's registrations (webhooks as code).
	Manifest Manifest
}

// Manifest describes a provider's registrations to webhooks as code.
type Manifest struct {
	// Identity is the provider's own stable name of a registration, as
	// "key=value" words (e.g. "reference=billing-1"), or "" when it has
	// none: then its URL and events identify it. It sees a registration
	// through its name, events and register params.
	Identity func(name string, events []string, params map[string]string) string
	// Params reads the register/update params (Spec.Params names) back
	// from a registration, so an export can be applied again. Never a
	// secret; params naming a secret file are left out. Nil: none.
	Params func(webhook.Registration) map[string]string
}
