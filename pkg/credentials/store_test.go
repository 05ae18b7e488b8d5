package credentials

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestEnvVar(t *testing.T) {
	for name, want := range map[string]string{
		"api-key": "HOOKCTL_API_KEY", "token": "HOOKCTL_TOKEN", "client-secret": "HOOKCTL_CLIENT_SECRET",
		"api-secret": "HOOKCTL_API_SECRET", "signing-key": "HOOKCTL_SIGNING_KEY", "username": "HOOKCTL_USERNAME",
		"password": "HOOKCTL_PASSWORD", "rsa-key": "HOOKCTL_RSA_KEY",
		"webhook/wh_1": "", "access-token": "", "": "",
	} {
		if got := EnvVar(name); got != want {
			t.Errorf("EnvVar(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestLookupPrecedence(t *testing.T) {
	m := NewMemory()
	s := New(m, envOf(map[string]string{
		"HOOKCTL_API_KEY": "from-env",
		"HOOKCTL_TOKEN":   "", // empty means unset
	}))
	for _, kv := range [][2]string{{"prod/api-key", "from-store"}, {"prod/token", "tok-store"}, {"prod/webhook/wh_1", "whsec"}} {
		if err := m.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, want string
		src        Source
	}{
		{"api-key", "from-env", SourceEnv},
		{"token", "tok-store", SourceMemory},
		{"webhook/wh_1", "whsec", SourceMemory},
	}
	for _, c := range cases {
		v, src, err := s.Lookup("prod", c.name)
		if err != nil || v != c.want || src != c.src {
			t.Errorf("Lookup(%s) = %q, %s, %v; want %q, %s", c.name, v, src, err, c.want, c.src)
		}
	}
	// Get reads the backend only: `auth logout` must see what is stored.
	if v, err := s.Get("prod", "api-key"); err != nil || v != "from-store" {
		t.Errorf("Get(api-key) = %q, %v; want the stored value", v, err)
	}
	// Env overrides even with nothing stored.
	if v, src, err := s.Lookup("other", "api-key"); err != nil || v != "from-env" || src != SourceEnv {
		t.Errorf("Lookup(other/api-key) = %q, %s, %v", v, src, err)
	}
	_, src, err := s.Lookup("other", "token")
	if !errors.Is(err, ErrNotFound) || src != SourceNone {
		t.Errorf("Lookup(missing) = %s, %v; want none, ErrNotFound", src, err)
	}
}

// TestProfileEnvVars: a profile's own variable,
// HOOKCTL_<PROFILE>_<NAME>, wins over the unscoped one, which still serves
// every profile without one; both are login variables a child never sees.
func TestProfileEnvVars(t *testing.T) {
	for _, c := range [][3]string{
		{"billing-live", "api-key", "HOOKCTL_BILLING_LIVE_API_KEY"},
		{"names.uk-1", "client-secret", "HOOKCTL_NAMES_UK_1_CLIENT_SECRET"},
		{"ob_2", "signing-key", "HOOKCTL_OB_2_SIGNING_KEY"},
		{"prod", "webhook/wh_1", ""},
	} {
		if got := ProfileEnvVar(c[0], c[1]); got != c[2] {
			t.Errorf("ProfileEnvVar(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	s := New(NewMemory(), envOf(map[string]string{
		"HOOKCTL_API_KEY":     "unscoped",
		"HOOKCTL_SOL_API_KEY": "sol's",
		"HOOKCTL_OB_API_KEY":  "ob's",
	}))
	for profile, want := range map[string]string{"sol": "sol's", "ob": "ob's", "other": "unscoped"} {
		if v, src, err := s.Lookup(profile, "api-key"); err != nil || v != want || src != SourceEnv {
			t.Errorf("Lookup(%s/api-key) = %q, %s, %v; want %q from env", profile, v, src, err, want)
		}
	}
	for profile, want := range map[string]string{"sol": "HOOKCTL_SOL_API_KEY", "other": "HOOKCTL_API_KEY"} {
		if got := s.EnvVarFor(profile, "api-key"); got != want {
			t.Errorf("EnvVarFor(%s, api-key) = %q, want the variable in effect, %s", profile, got, want)
		}
	}
	if got := s.EnvVarFor("other", "token"); got != "HOOKCTL_OTHER_TOKEN" {
		t.Errorf("EnvVarFor(other, token) with none set = %q, want the profile's own", got)
	}
	for k, want := range map[string]bool{
		"HOOKCTL_API_KEY": true, "HOOKCTL_BILLING_LIVE_API_KEY": true, "HOOKCTL_X_RSA_KEY": true, "HOOKCTL_P_CLIENT_SECRET": true,
		"HOOKCTL_PROFILE": false, "HOOKCTL_ID": false, "HOOKCTL_STORAGE": false, "HOOKCTL_BASE_URL": false, "HOOKCTL__API_KEY": true,
		"HOOKCTL_KEY": false, "API_KEY": false, "XHOOKCTL_API_KEY": false,
	} {
		if got := IsEnvVar(k); got != want {
			t.Errorf("IsEnvVar(%s) = %v, want %v", k, got, want)
		}
	}
}

func TestLookupBackendFailureIsNotMasked(t *testing.T) {
	f := newFakeKeyring()
	f.err = errors.New("dial unix /nope: connect: no such file or directory")
	s := New(testKeyring(f, time.Second), envOf(map[string]string{"HOOKCTL_API_KEY": "k"}))
	if v, src, err := s.Lookup("p", "api-key"); err != nil || v != "k" || src != SourceEnv {
		t.Fatalf("env must win without touching the keyring: %q %s %v", v, src, err)
	}
	if c := f.calls(); len(c) != 0 {
		t.Fatalf("keyring called although env had the value: %v", c)
	}
	_, _, err := s.Lookup("p", "token")
	if !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Lookup(token) = %v, want the keyring error, not not-found", err)
	}
	// A login credential the keyring cannot give is the credentials'
	// problem (exit 4); the same keyring failing elsewhere is the store's.
	if webhook.KindOf(err) != webhook.KindAuth || !strings.Contains(err.Error(), "set HOOKCTL_P_TOKEN") {
		t.Errorf("Lookup(token): kind %v, want auth, naming HOOKCTL_P_TOKEN: %v", webhook.KindOf(err), err)
	}
	if _, err := s.Get("p", "token"); webhook.KindOf(err) != webhook.KindStorage {
		t.Errorf("Get(token): kind %v, want storage", webhook.KindOf(err))
	}
	if _, _, err := s.Lookup("p", "webhook/wh_1"); webhook.KindOf(err) != webhook.KindStorage {
		t.Errorf("Lookup of a name env cannot set: kind %v, want storage", webhook.KindOf(err))
	}
}

// TestRefusedHint: the advice for refused credentials
// follows where each value came from, and never names a command that
// cannot help.
func TestRefusedHint(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		given map[string]string
		names []string
		want  []string
		not   []string
	}{
		{name: "stored", names: []string{"api-key"},
			want: []string{"store the right api-key with `hookctl auth login -p prod`, or set HOOKCTL_PROD_API_KEY"}},
		{name: "unscoped env", env: map[string]string{"HOOKCTL_API_KEY": "x"}, names: []string{"api-key"},
			want: []string{"HOOKCTL_API_KEY is set, and the environment wins over stored credentials: correct its value or unset it"},
			not:  []string{"auth login", "HOOKCTL_PROD_API_KEY"}},
		{name: "scoped env wins", env: map[string]string{"HOOKCTL_API_KEY": "x", "HOOKCTL_PROD_API_KEY": "y"}, names: []string{"api-key"},
			want: []string{"HOOKCTL_PROD_API_KEY is set"}, not: []string{"auth login", "HOOKCTL_API_KEY "}},
		{name: "both in env", env: map[string]string{"HOOKCTL_USERNAME": "u", "HOOKCTL_PROD_PASSWORD": "p"}, names: []string{"username", "password"},
			want: []string{"HOOKCTL_USERNAME and HOOKCTL_PROD_PASSWORD are set", "unset them"}, not: []string{"auth login"}},
		{name: "one in env, one stored", env: map[string]string{"HOOKCTL_PASSWORD": "p"}, names: []string{"username", "password"},
			want: []string{"HOOKCTL_PASSWORD is set", "store the right username with `hookctl auth login -p prod --credential username`, or set HOOKCTL_PROD_USERNAME"}},
		{name: "given", given: map[string]string{"client-secret": "typed"}, names: []string{"client-secret"},
			want: []string{"check the client-secret given"}, not: []string{"auth login"}},
		{name: "given and stored", given: map[string]string{"password": "typed"}, names: []string{"username", "password"},
			want: []string{"check the password given, and the stored username (`hookctl auth status -p prod`"}, not: []string{"auth login"}},
		{name: "generated keys left out", names: []string{"signing-key-id"}, want: []string{""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(NewMemory(), envOf(c.env))
			if c.given != nil {
				s = s.Trial("prod", c.given)
			}
			got := s.RefusedHint("prod", c.names...)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q\nlacks %q", got, w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(got, n) {
					t.Errorf("%q\nsays %q", got, n)
				}
			}
		})
	}
	if got := New(NewMemory(), envOf(nil)).Trial("prod", map[string]string{"api-key": "typed"}); true {
		if _, src, err := got.Lookup("prod", "api-key"); err != nil || src != SourceGiven {
			t.Errorf("a trial's value: source %s, %v; want given", src, err)
		}
	}
}

func TestMissingError(t *testing.T) {
	err := MissingError("prod", "api-key")
	if webhook.KindOf(err) != webhook.KindAuth {
		t.Fatalf("kind %v, want auth", webhook.KindOf(err))
	}
	if msg := err.Error(); !strings.Contains(msg, "hookctl auth login -p prod") || !strings.Contains(msg, "HOOKCTL_PROD_API_KEY") {
		t.Fatalf("message %q", msg)
	}
	if msg := MissingError("prod", "webhook/x").Error(); strings.Contains(msg, "HOOKCTL_") {
		t.Fatalf("message names an env variable for a name env cannot set: %q", msg)
	}
}

func TestStoreCurrentRotation(t *testing.T) {
	s := New(NewMemory(), envOf(nil))
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ws := func() WebhookSecrets {
		t.Helper()
		w, err := s.WebhookSecrets("p", "wh_1")
		if err != nil {
			t.Fatal(err)
		}
		return w
	}

	if w := ws(); w.Current != nil || w.Previous != nil || w.Pending != nil {
		t.Fatalf("absent registration: %+v, want empty", w)
	}
	if err := s.StoreCurrent("p", "wh_1", "", time.Hour, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("p", "webhook/wh_1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty secret was stored: %v", err)
	}

	if err := s.StoreCurrent("p", "wh_1", "s1", time.Hour, t0); err != nil {
		t.Fatal(err)
	}
	w := ws()
	if w.Current == nil || w.Current.Value != "s1" || !w.Current.StoredAt.Equal(t0) || w.Previous != nil {
		t.Fatalf("first store: %+v", w)
	}

	// Same secret again: nothing changes, not even the time.
	if err := s.StoreCurrent("p", "wh_1", "s1", time.Hour, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if w := ws(); !w.Current.StoredAt.Equal(t0) || w.Previous != nil {
		t.Fatalf("re-storing the same secret changed it: %+v", w)
	}

	// Rotation with overlap: the old one stays valid for the overlap.
	t1 := t0.Add(24 * time.Hour)
	if err := s.UpdateWebhookSecrets("p", "wh_1", func(w *WebhookSecrets) error {
		w.Pending = &SecretEntry{Value: "s2", StoredAt: t1}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.StoreCurrent("p", "wh_1", "s2", 2*time.Hour, t1); err != nil {
		t.Fatal(err)
	}
	w = ws()
	if w.Current.Value != "s2" || w.Previous == nil || w.Previous.Value != "s1" ||
		w.Previous.ValidUntil == nil || !w.Previous.ValidUntil.Equal(t1.Add(2*time.Hour)) || !w.Previous.StoredAt.Equal(t0) {
		t.Fatalf("rotation with overlap: %+v / %+v", w.Current, w.Previous)
	}
	if w.Pending != nil {
		t.Fatalf("confirmed pending secret kept: %+v", w.Pending)
	}

	// A pending secret that is not the new current stays.
	if err := s.UpdateWebhookSecrets("p", "wh_1", func(w *WebhookSecrets) error {
		w.Pending = &SecretEntry{Value: "s9", StoredAt: t1}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Rotation without overlap drops the previous one.
	if err := s.StoreCurrent("p", "wh_1", "s3", 0, t1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	w = ws()
	if w.Current.Value != "s3" || w.Previous != nil || w.Pending == nil || w.Pending.Value != "s9" {
		t.Fatalf("rotation without overlap: %+v", w)
	}

	if err := s.DeleteWebhookSecrets("p", "wh_1"); err != nil {
		t.Fatal(err)
	}
	if w := ws(); w.Current != nil {
		t.Fatalf("after delete: %+v", w)
	}
}

func TestWebhookSecretsCorrupt(t *testing.T) {
	m := NewMemory()
	s := New(m, envOf(nil))
	if err := m.Set("p/webhook/wh_1", "{not json"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WebhookSecrets("p", "wh_1"); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("WebhookSecrets = %v, want corrupt error", err)
	}
	if err := s.StoreCurrent("p", "wh_1", "s", 0, time.Now()); err == nil {
		t.Fatal("StoreCurrent overwrote a corrupt entry silently")
	}
	if v, _ := m.Get("p/webhook/wh_1"); v != "{not json" {
		t.Fatalf("corrupt entry changed to %q", v)
	}
}

// Concurrent read-modify-writes through one Store lose nothing.
func TestStoreUpdateConcurrent(t *testing.T) {
	s := New(NewMemory(), envOf(nil))
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update("p", "list", func(old string, found bool) (string, error) {
				return old + string(rune('A'+i%26)), nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if v, _ := s.Get("p", "list"); len(v) != n {
		t.Fatalf("%d updates kept, want %d", len(v), n)
	}
}

func TestStoreChunkedNote(t *testing.T) {
	if _, ok := New(NewMemory(), nil).Chunked("p", "x"); ok {
		t.Fatal("memory backend reported chunks")
	}
	f := newFakeKeyring()
	s := New(testKeyring(f, time.Second), nil)
	if err := s.Set("p", "small", "v"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Chunked("p", "small"); ok {
		t.Fatal("small value reported chunked")
	}
	if _, ok := s.Chunked("p", "absent"); ok {
		t.Fatal("absent value reported chunked")
	}
}
