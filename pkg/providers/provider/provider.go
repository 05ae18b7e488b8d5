// Package provider is the contract between hookctl's commands and the
// provider packages: what a provider declares about itself (profile fields,
// credentials, defaults) and what it needs to run. It is a leaf so provider
// packages can import it while pkg/providers imports them.
package provider

import (
	"fmt"
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
	// AllEvents is what "every event" means at the provider: what
	// `register --all-events`, `update --all-events` and a manifest's
	// `all_events: true` ask for. A missing event list never stands for
	// it.
	AllEvents AllEvents
	// Assumptions are the facts the provider's code relies on that were
	// inferred rather than read (docs/guides/provider-assumptions.md).
	Assumptions []Assumption
	// Manifest is how `hookctl export`, `diff` and `apply` see the
	// provider's registrations (webhooks as code).
	Manifest Manifest
	// ListPageSize is how many registrations one page of the client's
	// list holds when it pages through them (the largest page the
	// provider allows, or its default); 0 when the provider answers with
	// one list.
	ListPageSize int
	// Capabilities are the optional capabilities (interface names of
	// pkg/webhook/capabilities.go) the client has beyond those the rest
	// of its registry lines imply: a Generated credential a KeyManager,
	// DoctorChecks a Doctor, and so on (internal/testkit/conformance
	// lists them and holds both against the client).
	Capabilities []string
}

// AllEvents is what a provider is sent for "every event". hookctl never
// lets an empty event list mean it by default: what a provider makes of
// an empty list is undocumented at most of them, and a wrong guess either
// floods the receiver or quietly stops its deliveries. The zero value is
// a provider without "every event" (Refusal says why).
type AllEvents struct {
	// Sends says what is sent, for the flag help and the docs ("" when
	// the provider has no "every event").
	Sends string
	// Events are the event types sent by name, where the provider
	// documents "every event" as a list; nil sends no event filter.
	Events []string
	// Notice, when set, is said on stderr each time it is used: the part
	// of Sends that the provider's documents do not state.
	Notice string
	// Refusal says why a provider without "every event" refuses it.
	Refusal string
}

// Supported reports whether the provider has an "every event".
func (a AllEvents) Supported() bool { return a.Sends != "" }

// Alternative is the second half of the hint for a request without
// events: ask for every event the way ask says (a flag or a manifest
// key), or why the provider has none.
func (a AllEvents) Alternative(provider, ask string) string {
	if !a.Supported() {
		return fmt.Sprintf("%s has no %s: %s", provider, ask, a.Refusal)
	}
	return fmt.Sprintf("or give %s for every event (%s is sent %s)", ask, provider, a.Sends)
}

// Covers reports whether a registration with these events receives what
// AllEvents asks for: it has no event filter, or it names exactly the
// documented list.
func (a AllEvents) Covers(events []string) bool {
	if !a.Supported() {
		return false
	}
	if len(events) == 0 {
		return true
	}
	if a.Events == nil {
		return false
	}
	want := map[string]bool{}
	for _, e := range a.Events {
		want[e] = true
	}
	got := map[string]bool{}
	for _, e := range events {
		if !want[e] {
			return false
		}
		got[e] = true
	}
	return len(got) == len(want)
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
	// OneEvent says a registration has exactly one event (one
	// subscription per event): the manifest schema holds an entry's
	// events to one.
	OneEvent bool
}
