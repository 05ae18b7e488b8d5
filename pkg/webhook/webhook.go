// Package webhook is hookctl's provider-neutral model: what a webhook
// registration is, what a provider adapter must do, and the typed errors that
// cmd.Main turns into exit codes. Provider packages translate their wire
// formats into these types; nothing outside a provider package sees a wire type.
package webhook

import (
	"context"
	"slices"
	"time"
)

// Registration is one webhook registration at a provider, in our own stable
// shape (the JSON output contract of docs/architecture.md).
type Registration struct {
	Provider        string     `json:"provider" yaml:"provider"`
	Profile         string     `json:"profile" yaml:"profile"`
	ID              string     `json:"id" yaml:"id"`
	Name            string     `json:"name" yaml:"name"`
	URL             string     `json:"url" yaml:"url"`
	Events          []string   `json:"events" yaml:"events"`
	Active          bool       `json:"active" yaml:"active"`
	SecretExpiresAt *time.Time `json:"secret_expires_at" yaml:"secret_expires_at"`
	// SecretRotatedAt is when the provider last rolled the secret, where it says.
	SecretRotatedAt *time.Time `json:"secret_rotated_at" yaml:"secret_rotated_at"`
	Status          string     `json:"status" yaml:"status"`
	CreatedAt       *time.Time `json:"created_at" yaml:"created_at"`
	UpdatedAt       *time.Time `json:"updated_at" yaml:"updated_at"`
	// Secret is the current signing secret when the provider returned it.
	// Printers drop it unless --show-secret.
	Secret string `json:"secret,omitempty" yaml:"secret,omitempty"`
	// PreviousSecret is the rolled-over secret still accepted during overlap.
	// Never printed; kept for the secret store.
	PreviousSecret string `json:"-" yaml:"-"`
	// Extra holds provider-only fields.
	Extra map[string]any `json:"extra" yaml:"extra"`
}

// Receives reports whether deliveries of event reach r: r names it, or
// names no event at all (a registration without a filter, which its
// provider reads as every event).
func (r *Registration) Receives(event string) bool {
	return len(r.Events) == 0 || slices.Contains(r.Events, event)
}

// Normalize makes a registration safe to print: UTC times, [] and {}
// never null.
func (r *Registration) Normalize() {
	if r.Events == nil {
		r.Events = []string{}
	}
	if r.Extra == nil {
		r.Extra = map[string]any{}
	}
	if !r.Active && r.Status == StatusOK {
		r.Status = StatusInactive // one meaning of STATUS at every provider
	}
	for _, t := range []**time.Time{&r.SecretExpiresAt, &r.SecretRotatedAt, &r.CreatedAt, &r.UpdatedAt} {
		if *t != nil {
			u := (*t).UTC().Truncate(time.Second)
			*t = &u
		}
	}
}

// CreateRequest is what `hookctl register` asks a provider for.
type CreateRequest struct {
	URL    string
	Events []string
	// AllEvents asks for every event the provider has (register
	// --all-events), with Events empty: the provider sends what it
	// documents for it, and one without "every event" refuses it. Empty
	// Events without AllEvents is refused, never read as "all".
	AllEvents bool
	Name      string
	Active    *bool
	// Params carries provider-specific flag values (e.g. "reference" for
	// Solvimon, "auth-mode" for PEXA). Adapters reject ones they don't know.
	Params map[string]string
}

// UpdateRequest changes a registration; nil fields are kept as they are.
type UpdateRequest struct {
	URL    *string
	Events []string // nil keeps the events; the command resolves --add/--remove-event into this
	// AllEvents replaces the events with every event, as
	// CreateRequest.AllEvents; Events is then nil. A non-nil empty Events
	// without it is refused: clearing the list never means "all".
	AllEvents bool
	Name      *string
	Active    *bool
	Params    map[string]string
}

// ListOptions controls listing. A provider returns every registration,
// following its pages to the end, unless Limit caps how many (then it reads
// no more pages than the cap needs). Page sizes are the provider's own
// business. All asks for every registration even when Limit is set.
type ListOptions struct {
	All   bool
	Limit int
	// OnPage, when set, is called with each page's registrations as the
	// page arrives, before List returns them all, so a bulk run can start
	// on the first page while later ones are read (pages are read one
	// after another). An error from it ends the listing with that error.
	// A provider that reads everything in one answer may not call it; its
	// callers use what List returns.
	OnPage func([]Registration) error
	// OnTotal, when set, hears how many registrations the listing holds
	// as soon as the provider says (PEXA's totalRecords on the first
	// page), so a bulk run's progress has a total before the last page.
	// A provider that counts pages only (Solvimon) gives its bound, pages
	// times the page size. A provider that says nothing does not call it.
	OnTotal func(int)
}

// Cap is the number of registrations to return at most, 0 for all.
func (o ListOptions) Cap() int {
	if o.All {
		return 0
	}
	return o.Limit
}

// EventType is an event a provider accepts.
type EventType struct {
	Name        string `json:"name" yaml:"name"`
	Mandatory   bool   `json:"mandatory" yaml:"mandatory"`
	Description string `json:"description" yaml:"description"`
	// Source is where the list holding it comes from (SourceLive, ...),
	// so JSON output says it per event and stays a plain array.
	Source string `json:"source" yaml:"source"`
}

// Provider is the small interface every adapter implements. Optional
// capabilities are separate interfaces, all declared in capabilities.go,
// that the commands discover with a type assertion; a missing one is
// ErrUnsupported.
type Provider interface {
	// Name is the provider id: pexa, solvimon, offblocks, pwc.
	Name() string
	List(ctx context.Context, opts ListOptions) ([]Registration, error)
	Get(ctx context.Context, id string) (*Registration, error)
	// Register may create several registrations (PwC: one per event).
	Register(ctx context.Context, req CreateRequest) ([]Registration, error)
	Update(ctx context.Context, id string, req UpdateRequest) (*Registration, error)
	Delete(ctx context.Context, id string) error
	// Events is the provider's event list, read live where the provider
	// has one, and where it comes from.
	Events(ctx context.Context) (*EventCatalogue, error)
}

// RotationPolicy describes how a provider rotates signing secrets.
type RotationPolicy struct {
	// ClientChoosesSecret: hookctl generates the new secret (PwC) and must
	// store it as pending before the provider call.
	ClientChoosesSecret bool
	// Overlap is how long the previous secret stays valid (0: revoked at once).
	Overlap time.Duration
	// MaxConcurrency is a sensible default for bulk rotation.
	MaxConcurrency int
}

// RotateRequest carries the secrets a client-chosen rotation needs.
type RotateRequest struct {
	CurrentSecret string // the secret the provider expects as proof (PwC)
	NewSecret     string // set when ClientChoosesSecret
}

// Rotation is the outcome of a successful rotation.
type Rotation struct {
	Registration       Registration
	NewSecret          string
	NewSecretExpiresAt *time.Time
	PreviousSecret     string
	// PreviousValidUntil is nil when the old secret is revoked at once.
	PreviousValidUntil *time.Time
}

// Registration.Status: one vocabulary for every provider, so `--status ok`
// and a script reading "status" mean the same thing at each of them.
const (
	// StatusOK: deliveries flow.
	StatusOK = "ok"
	// StatusInactive: disabled, by the user or by the provider after
	// failed deliveries (PwC); nothing is delivered until re-enabled.
	StatusInactive = "inactive"
	// StatusPenaltyBox: the provider parked the endpoint after failures
	// (Solvimon) and retries later.
	StatusPenaltyBox = "penalty-box"
	// StatusSecretExpired: the signing secret expired (PEXA).
	StatusSecretExpired = "secret-expired"
)

// Statuses are every Registration.Status value, in the order help lists them.
var Statuses = []string{StatusOK, StatusInactive, StatusPenaltyBox, StatusSecretExpired}

// ApplyEventEdits returns events with add appended and remove dropped,
// keeping order and removing duplicates.
func ApplyEventEdits(events, add, remove []string) []string {
	out := make([]string, 0, len(events)+len(add))
	for _, e := range append(slices.Clone(events), add...) {
		if !slices.Contains(remove, e) && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}
