package output

import (
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Registrations prepares registrations for printing: normalised, secrets
// dropped unless showSecret, and the list table every provider shares.
func Registrations(regs []webhook.Registration, showSecret bool) ([]webhook.Registration, *Table) {
	out := make([]webhook.Registration, len(regs))
	t := &Table{Headers: []string{"ID", "URL", "EVENTS", "ACTIVE", "SECRET EXPIRES", "STATUS"}}
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

// Detail is the `get` view of one registration as key/value rows; the secret
// is masked unless showSecret.
func Detail(r webhook.Registration, showSecret bool, storedSecret string) (webhook.Registration, *Table) {
	r.Normalize()
	secret := r.Secret
	if secret == "" {
		secret = storedSecret
	}
	if !showSecret {
		r.Secret = ""
		secret = Mask(secret)
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
	add("status", r.Status)
	add("secret", secret)
	add("secret expires", Time(r.SecretExpiresAt))
	add("secret rotated", Time(r.SecretRotatedAt))
	add("created", Time(r.CreatedAt))
	add("updated", Time(r.UpdatedAt))
	return r, t
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
