package cmd

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestMirrorSecrets: after revoke-previous the store holds what the
// provider reports, under either reading of Solvimon's DELETE secret-key.
func TestMirrorSecrets(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	until := now.Add(time.Hour)
	held := func() *credentials.WebhookSecrets {
		return &credentials.WebhookSecrets{
			Current:  &credentials.SecretEntry{Value: "new", StoredAt: now.Add(-time.Minute)},
			Previous: &credentials.SecretEntry{Value: "old", StoredAt: now.Add(-time.Hour), ValidUntil: &until},
			Pending:  &credentials.SecretEntry{Value: "pending", StoredAt: now},
		}
	}

	// Only the previous secret removed: the current one stays.
	ws := held()
	if rolled := mirrorSecrets(ws, &webhook.Registration{Secret: "new"}, 24*time.Hour, now); rolled {
		t.Fatal("reported a roll")
	}
	if ws.Current.Value != "new" || !ws.Current.StoredAt.Equal(now.Add(-time.Minute)) || ws.Previous != nil || ws.Pending == nil {
		t.Fatalf("only previous removed: %+v", ws)
	}

	// Rolled without overlap: the new secret alone.
	ws = held()
	if rolled := mirrorSecrets(ws, &webhook.Registration{Secret: "newer"}, 24*time.Hour, now); !rolled {
		t.Fatal("no roll reported")
	}
	if ws.Current.Value != "newer" || ws.Previous != nil {
		t.Fatalf("rolled: %+v", ws)
	}

	// Rolled with an overlap: the provider's previous secret is kept.
	ws = held()
	at := now.Add(-time.Minute)
	mirrorSecrets(ws, &webhook.Registration{Secret: "newer", PreviousSecret: "new", SecretRotatedAt: &at}, 24*time.Hour, now)
	if ws.Current.Value != "newer" || ws.Previous == nil || ws.Previous.Value != "new" || !ws.Previous.ValidUntil.Equal(at.Add(24*time.Hour)) {
		t.Fatalf("rolled with overlap: %+v %+v", ws.Current, ws.Previous)
	}
}
