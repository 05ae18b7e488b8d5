package output

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Registrations prepares registrations for printing: normalised, secrets
// dropped unless showSecret, and the list table every provider shares.
func Registrations(regs []webhook.Registration, showSecret bool) ([]webhook.Registration, *Table) {
	out := make([]webhook.Registration, len(regs))
	// On a narrow terminal ACTIVE goes first (STATUS says inactive too),
	// then SECRET EXPIRES, before the URL is cut.
	t := &Table{Headers: []string{"ID", "URL", "EVENTS", "ACTIVE", "SECRET EXPIRES", "STATUS"},
		Optional: []string{"ACTIVE", "SECRET EXPIRES"}, Keep: []string{"URL"}}
	if showSecret {
		t.Headers = append(t.Headers, "SECRET")
	}
	for i, r := range regs {
		r.Normalize()
		if !showSecret {
			r.Secret = ""
		}
		out[i] = r
		row := []string{r.ID, r.URL, strings.Join(r.Events, ","), yesNo(r.Active), Time(r.SecretExpiresAt), r.Status}
		if showSecret {
			row = append(row, r.Secret)
		}
		t.Rows = append(t.Rows, row)
	}
	return out, t
}

// DetailView is the `get` JSON: the registration and its secret masked
// (the provider's, or the one the credential store keeps), as the table
// shows it.
type DetailView struct {
	webhook.Registration
	SecretMasked string `json:"secret_masked" yaml:"secret_masked"`
}

// Detail is the `get` view of one registration: the JSON and a key/value
// table of the same fields under the same names (extra.* for provider
// fields). The secret is masked unless showSecret.
func Detail(r webhook.Registration, showSecret bool, storedSecret string) (DetailView, *Table) {
	r.Normalize()
	secret := r.Secret
	if secret == "" {
		secret = storedSecret
	}
	v := DetailView{Registration: r, SecretMasked: Mask(secret)}
	v.Secret = ""
	if showSecret {
		v.Secret = secret
	}
	t := &Table{Headers: []string{"FIELD", "VALUE"}}
	add := func(k, v string) {
		if v != "" {
			t.AddRow(k, v)
		}
	}
	add("provider", r.Provider)
	add("profile", r.Profile)
	add("id", r.ID)
	add("name", r.Name)
	add("url", r.URL)
	add("events", strings.Join(r.Events, ","))
	add("active", yesNo(r.Active))
	add("secret_expires_at", Time(r.SecretExpiresAt))
	add("secret_rotated_at", Time(r.SecretRotatedAt))
	add("status", r.Status)
	add("created_at", Time(r.CreatedAt))
	add("updated_at", Time(r.UpdatedAt))
	add("secret", v.Secret)
	add("secret_masked", v.SecretMasked)
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add("extra."+k, cell(r.Extra[k]))
	}
	return v, t
}

// cell is a provider value as table text: strings as they are, anything
// else as compact JSON.
func cell(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Time formats an optional time as RFC 3339 UTC, "" when nil.
func Time(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func yesNo(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
