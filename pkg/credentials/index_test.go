package credentials

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestIndexListsAndForgets: the store remembers which entries it wrote,
// across processes (a new Store over the same backend), so `secrets list`
// and `profile remove` can find entries the keyring cannot enumerate.
func TestIndexListsAndForgets(t *testing.T) {
	for name, backend := range map[string]func() Backend{
		"memory": func() Backend { return NewMemory() },
		"file":   func() Backend { return NewFile(filepath.Join(t.TempDir(), "c.json")) },
	} {
		t.Run(name, func(t *testing.T) {
			b := backend()
			s := New(b, func(string) string { return "" })
			now := time.Now()
			for _, id := range []string{"wh_1", "wh_2"} {
				if err := s.StoreCurrent("p", id, "secret-"+id, 0, now); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Set("p", "api-key", "k"); err != nil {
				t.Fatal(err)
			}
			if err := s.Set("other", "api-key", "k2"); err != nil {
				t.Fatal(err)
			}
			if err := s.CheckWritable("p"); err != nil {
				t.Fatal(err)
			}
			fresh := New(b, func(string) string { return "" })
			ids, err := fresh.WebhookIDs("p")
			if err != nil || !slices.Equal(ids, []string{"wh_1", "wh_2"}) {
				t.Fatalf("webhook ids %v, %v", ids, err)
			}
			names, _ := fresh.Names("p")
			if !slices.Equal(names, []string{"api-key", "webhook/wh_1", "webhook/wh_2"}) {
				t.Fatalf("names %v (the probe entry must not be listed)", names)
			}
			if err := fresh.DeleteWebhookSecrets("p", "wh_1"); err != nil {
				t.Fatal(err)
			}
			if ids, _ := New(b, nil).WebhookIDs("p"); !slices.Equal(ids, []string{"wh_2"}) {
				t.Fatalf("after delete: %v", ids)
			}
			if err := fresh.ForgetProfile("p", "token"); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"api-key", "webhook/wh_2", indexName} {
				if _, err := b.Get(Key("p", n)); !isNotFound(err) {
					t.Errorf("%s survived ForgetProfile: %v", n, err)
				}
			}
			if v, err := b.Get(Key("other", "api-key")); err != nil || v != "k2" {
				t.Errorf("another profile's entry: %q %v", v, err)
			}
		})
	}
}
