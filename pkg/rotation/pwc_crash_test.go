package rotation

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/providers/pwc"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestPwCCrashBetweenUpdateAndStore is "killing the process
// between the update call and storing the new secret loses nothing": the
// state a SIGKILL leaves at that instant is rebuilt exactly (pending secret
// stored, intent journalled, PwC's update applied, nothing promoted), then a
// rerun must find the pending secret, confirm it with PwC and finish,
// without rotating again.
func TestPwCCrashBetweenUpdateAndStore(t *testing.T) {
	ctx := context.Background()
	box := pwcemu.New(emulator.Options{Now: time.Now, HTTP: http.DefaultClient})
	srv := httptest.NewServer(box)
	defer srv.Close()
	env := map[string]string{"HOOKCTL_USERNAME": pwcemu.SandboxUsername, "HOOKCTL_PASSWORD": pwcemu.SandboxPassword}
	store := credentials.New(credentials.NewMemory(), func(k string) string { return env[k] })
	profile := config.Profile{Name: "p", Provider: "pwc", Environment: "staging", BaseURL: srv.URL,
		Settings: map[string]string{pwc.FieldTaxNumber: pwcemu.SandboxTaxNumber, pwc.FieldAccountID: pwcemu.SandboxAccountID}}
	client, err := pwc.New(provider.Deps{Profile: profile, HTTP: httpclient.New(httpclient.Options{}), Creds: store, ErrOut: io.Discard, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.GenerateKey(ctx, false); err != nil {
		t.Fatal(err)
	}
	regs, err := client.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/crash", Events: []string{"ReportFiled"}, Name: "crash-test"})
	if err != nil {
		t.Fatal(err)
	}
	id, old := regs[0].ID, regs[0].Secret
	if err := store.StoreCurrent("p", id, old, 0, time.Now()); err != nil {
		t.Fatal(err)
	}

	// What the engine had done when the process died.
	newSecret, err := pwc.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.UpdateWebhookSecrets("p", id, func(ws *credentials.WebhookSecrets) error {
		ws.Pending = &credentials.SecretEntry{Value: newSecret, StoredAt: time.Now()}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	stateDir := t.TempDir()
	j, err := createJournal(journalDir(stateDir, "p"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(Record{Entry: j.NewEntry(), Op: OpIntent, At: time.Now(), ID: id, Provider: "pwc", Profile: "p",
		Salt: "s", OldFP: fingerprint("s", old), Pending: true}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := client.RotateSecret(ctx, id, webhook.RotateRequest{CurrentSecret: old, NewSecret: newSecret}); err != nil {
		t.Fatal(err)
	}
	// ... and the process died here: the store still says old is current.
	if ws, _ := store.WebhookSecrets("p", id); ws.Current.Value != old {
		t.Fatal("setup: the new secret was promoted before the simulated crash")
	}

	rep := run(t, Options{Provider: client, Profile: "p", Store: store, StateDir: stateDir,
		Select: Selector{IDs: []string{id}}, Sleep: func(context.Context, time.Duration) error { return nil }})
	var recovered bool
	for _, r := range rep.Results {
		if r.ID == id && r.Recovered && r.Status == StatusOK {
			recovered = true
		}
	}
	if !recovered {
		t.Fatalf("the rerun did not recover %s from the journal: %+v", id, rep.Results)
	}
	ws, err := store.WebhookSecrets("p", id)
	if err != nil || ws.Current == nil || ws.Current.Value != newSecret || ws.Pending != nil {
		t.Fatalf("store after rerun: %+v (%v); want current = the pending secret, no pending", ws, err)
	}
	// PwC was not rotated a second time: it still holds the pending secret.
	got, err := client.Get(ctx, id)
	if err != nil || got.Secret != newSecret {
		t.Fatalf("PwC holds another secret after the rerun (err %v)", err)
	}
	// A fresh delivery verifies with the stored current key, not the old one.
	req, err := box.Delivery(ctx, id, "ReportFiled")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	sreq := &signature.Request{Method: req.Method, URL: req.URL, Header: req.Header, Body: body}
	scheme, _ := signature.Lookup("hub-signature")
	if res := scheme.Verify(sreq, []signature.Key{{Name: "current", Secret: []byte(ws.Current.Value)}}, signature.Options{Now: time.Now()}); !res.Valid {
		t.Errorf("delivery does not verify with the recovered secret: %+v", res.Steps)
	}
	if res := scheme.Verify(sreq, []signature.Key{{Name: "old", Secret: []byte(old)}}, signature.Options{Now: time.Now()}); res.Valid {
		t.Errorf("delivery still verifies with the old secret")
	}
}
