package pwc

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func list(t *testing.T, c *Client) error {
	t.Helper()
	_, err := c.List(ctx, webhook.ListOptions{})
	return err
}

func TestLoginWrongPassword(t *testing.T) {
	e := newEnv(t)
	if err := e.store.Set("sb", CredPassword, "wrong"); err != nil {
		t.Fatal(err)
	}
	err := list(t, e.client())
	we := kindOf(t, err, webhook.KindAuth)
	if we.Kind.ExitCode() != 4 || !strings.Contains(we.Error(), "Invalid UserName or Password") || !strings.Contains(we.Error(), "HOOKCTL_SB_PASSWORD") {
		t.Errorf("error %q", we.Error())
	}
	if n := len(e.apiRequests()); n != 0 {
		t.Errorf("%d API requests after a failed login", n)
	}
}

func TestMissingCredentials(t *testing.T) {
	for _, name := range []string{CredUsername, CredPassword} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			if err := e.store.Delete("sb", name); err != nil {
				t.Fatal(err)
			}
			err := list(t, e.client())
			we := kindOf(t, err, webhook.KindAuth)
			if !strings.Contains(we.Error(), "no "+name) || !strings.Contains(we.Error(), credentials.ProfileEnvVar("sb", name)) {
				t.Errorf("error %q", we.Error())
			}
			if n := len(e.requests()); n != 0 {
				t.Errorf("%d requests without credentials", n)
			}
		})
	}
}

func TestEnvCredentialsWin(t *testing.T) {
	e := newEnv(t)
	if err := e.store.Set("sb", CredPassword, "wrong"); err != nil {
		t.Fatal(err)
	}
	envStore := credentials.New(e.store.Backend(), func(k string) string {
		return map[string]string{"HOOKCTL_PASSWORD": pwcemu.SandboxPassword}[k]
	})
	if err := list(t, e.client(func(d *provider.Deps) { d.Creds = envStore })); err != nil {
		t.Fatalf("HOOKCTL_PASSWORD should win over the keyring: %v", err)
	}
}

func TestTokenCachedAcrossClients(t *testing.T) {
	e := newEnv(t)
	if err := list(t, e.client()); err != nil {
		t.Fatal(err)
	}
	raw, err := e.store.Get("sb", CredToken)
	if err != nil {
		t.Fatalf("no cached token: %v", err)
	}
	var entry struct {
		Fingerprint string     `json:"fingerprint"`
		Value       tokenCache `json:"value"`
	}
	if err := json.Unmarshal([]byte(raw), &entry); err != nil || entry.Fingerprint == "" || strings.Contains(raw, pwcemu.SandboxPassword+`"`) {
		t.Fatalf("cache %s: %v", raw, err)
	}
	tc := entry.Value
	// The emulator's JWT says exp = now + 1h; the cache must have read it.
	if !tc.ExpiresAt.Equal(e.clock.Now().Add(pwcemu.AccessTokenLifetime)) {
		t.Errorf("cached expiry %s, want the JWT's %s", tc.ExpiresAt, e.clock.Now().Add(pwcemu.AccessTokenLifetime))
	}
	// A second process (new client, same keyring) reuses it.
	if err := list(t, e.client()); err != nil {
		t.Fatal(err)
	}
	if n := e.count(http.MethodPost, "/auth/credentials"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	// The same keyring pointed at another base URL does not.
	other := e.client(func(d *provider.Deps) { d.Profile.BaseURL = strings.Replace(e.base, "127.0.0.1", "localhost", 1) })
	if err := list(t, other); err != nil {
		t.Fatal(err)
	}
	if n := e.count(http.MethodPost, "/auth/credentials"); n != 2 {
		t.Errorf("%d logins, want a fresh one for another base URL", n)
	}
}

func TestExpiredTokenIsRefreshed(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if err := list(t, c); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(pwcemu.AccessTokenLifetime + time.Minute)
	if err := list(t, c); err != nil {
		t.Fatal(err)
	}
	if n, r := e.count(http.MethodPost, "/auth/credentials"), e.count(http.MethodPost, "/access-token"); n != 1 || r != 1 {
		t.Errorf("%d logins and %d refreshes, want 1 and 1", n, r)
	}
	// Within the margin before expiry the token is renewed ahead of time.
	e.resetRequests()
	e.clock.Add(pwcemu.AccessTokenLifetime - 30*time.Second)
	if err := list(t, c); err != nil {
		t.Fatal(err)
	}
	if r := e.count(http.MethodPost, "/access-token"); r != 1 {
		t.Errorf("%d refreshes 30 s before expiry, want 1", r)
	}
}

func TestRejectedRefreshFallsBackToLogin(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if err := list(t, c); err != nil {
		t.Fatal(err)
	}
	e.box.RevokeTokens() // the refresh token dies too
	e.clock.Add(2 * pwcemu.AccessTokenLifetime)
	if err := list(t, c); err != nil {
		t.Fatal(err)
	}
	if n := e.count(http.MethodPost, "/auth/credentials"); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
}

func TestRevokedTokenReauthenticatesOnce(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if err := list(t, c); err != nil {
		t.Fatal(err)
	}
	e.box.RevokeTokens()
	e.resetRequests()
	if err := list(t, c); err != nil {
		t.Fatal(err)
	}
	if n, api := e.count(http.MethodPost, "/auth/credentials"), len(e.apiRequests()); n != 1 || api != 2 {
		t.Errorf("%d logins and %d API calls, want 1 and 2 (the 401 and the resend)", n, api)
	}
}

func TestPersistent401DoesNotLoop(t *testing.T) {
	e := newEnv(t)
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/webhooks/") {
				writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Not Authenticated", nil)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	err := list(t, e.client())
	we := kindOf(t, err, webhook.KindAuth)
	if !strings.Contains(we.Error(), "Not Authenticated") {
		t.Errorf("error %q", we.Error())
	}
	if api := len(e.apiRequests()); api != 2 {
		t.Errorf("%d API calls, want exactly 2", api)
	}
}

func TestConcurrentRequestsLogInOnce(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- list(t, c) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := e.count(http.MethodPost, "/auth/credentials"); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

func TestTokenExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	claims := func(s string) string {
		return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(s)) + ".c2ln"
	}
	cases := []struct {
		tok  string
		want time.Time
	}{
		{claims(`{"exp":1767229200}`), time.Unix(1767229200, 0).UTC()},
		{claims(`{"exp":1767229200.5}`), time.Unix(1767229200, 0).UTC()},
		{claims(`{"sub":"1"}`), now.Add(opaqueTokenLifetime)},
		{claims(`{"exp":"soon"}`), now.Add(opaqueTokenLifetime)},
		{claims(`{"exp":-5}`), now.Add(opaqueTokenLifetime)},
		{"an-opaque-session-token", now.Add(opaqueTokenLifetime)},
		{"a.b.c", now.Add(opaqueTokenLifetime)},
	}
	for _, tc := range cases {
		if got := tokenExpiry(tc.tok, now); !got.Equal(tc.want) {
			t.Errorf("tokenExpiry(%q) = %s, want %s", tc.tok, got, tc.want)
		}
	}
}

// TestCachedTokenBoundToPassword: a token cached with the right password
// is not used once the password is wrong: that run logs in and is refused.
func TestCachedTokenBoundToPassword(t *testing.T) {
	e := newEnv(t)
	if err := list(t, e.client()); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Set("sb", CredPassword, "wrong"); err != nil {
		t.Fatal(err)
	}
	kindOf(t, list(t, e.client()), webhook.KindAuth)
	logins := 0
	for _, r := range e.requests() {
		if r.Path == "/auth/credentials" {
			logins++
		}
	}
	if logins != 2 {
		t.Errorf("%d logins, want 2: the wrong password must be tried", logins)
	}
}
