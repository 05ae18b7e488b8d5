package pwc

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestLoginModes: each login mode authenticates the core loop against the
// emulator over HTTP in its own way (nothing public says which PwC uses),
// and a wrong password is exit 4 in each.
func TestLoginModes(t *testing.T) {
	for _, tc := range []struct {
		mode string
		// sent checks how an API request authenticated.
		sent   func(h http.Header) bool
		logins int // POST /auth/credentials calls: Authenticate's, reused by the loop
	}{
		{LoginCredentials, func(h http.Header) bool {
			return strings.HasPrefix(h.Get("Authorization"), "Bearer ") && h.Get("Cookie") == ""
		}, 1},
		{LoginBasic, func(h http.Header) bool { return strings.HasPrefix(h.Get("Authorization"), "Basic ") }, 0},
		{LoginSession, func(h http.Header) bool {
			return h.Get("Authorization") == "" && strings.HasPrefix(h.Get("Cookie"), "ss-id=")
		}, 1},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			e := newEnv(t)
			withMode := func(d *provider.Deps) { d.Profile.Settings[FieldLoginMode] = tc.mode }
			c := e.client(withMode)
			if err := c.Authenticate(ctx); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/m", Events: []string{"ReportFiled"}})
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			if _, err := c.Get(ctx, regs[0].ID); err != nil {
				t.Fatalf("Get: %v", err)
			}
			if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
				t.Fatalf("List: %v", err)
			}
			api := e.apiRequests()
			if len(api) == 0 {
				t.Fatal("no API request seen")
			}
			for _, r := range api {
				if !tc.sent(r.Header) {
					t.Errorf("%s %s authenticated with Authorization %q, Cookie %q", r.Method, r.Path, r.Header.Get("Authorization"), r.Header.Get("Cookie"))
				}
			}
			if n := e.count(http.MethodPost, "/auth/credentials"); n != tc.logins {
				t.Errorf("%d credentials logins, want %d", n, tc.logins)
			}
			if tc.mode == LoginBasic && e.count(http.MethodGet, "/auth") != 1 {
				t.Errorf("basic: Authenticate did not ask GET /auth")
			}

			if err := e.store.Set("sb", CredPassword, "wrong-password"); err != nil {
				t.Fatal(err)
			}
			err = e.client(withMode).Authenticate(ctx)
			if webhook.KindOf(err) != webhook.KindAuth || !strings.Contains(err.Error(), "login as") {
				t.Fatalf("a wrong password: %v, want exit 4 naming the login", err)
			}
		})
	}
	if err := validateLoginMode("oauth"); webhook.KindOf(err) != webhook.KindUsage {
		t.Errorf("login-mode oauth: %v", err)
	}
}

// TestLoginModeSwitchSkipsCache: a profile switched to another login mode
// does not send the token the old mode cached (a bearer token as the
// session cookie, or a session id as a bearer token, each answered 401);
// it logs in afresh, and its first API call is accepted.
func TestLoginModeSwitchSkipsCache(t *testing.T) {
	for _, modes := range [][2]string{{LoginCredentials, LoginSession}, {LoginSession, LoginCredentials}} {
		t.Run(modes[0]+" to "+modes[1], func(t *testing.T) {
			e := newEnv(t)
			in := func(m string) func(*provider.Deps) {
				return func(d *provider.Deps) { d.Profile.Settings[FieldLoginMode] = m }
			}
			if _, err := e.client(in(modes[0])).List(ctx, webhook.ListOptions{}); err != nil {
				t.Fatal(err)
			}
			e.resetRequests()
			if _, err := e.client(in(modes[1])).List(ctx, webhook.ListOptions{}); err != nil {
				t.Fatal(err)
			}
			if n, api := e.count(http.MethodPost, "/auth/credentials"), len(e.apiRequests()); n != 1 || api != 1 {
				t.Errorf("%d logins and %d API calls after the switch, want 1 and 1 (no 401 for the other mode's token)", n, api)
			}
			// The new mode's token is cached in turn: a second process reuses it.
			e.resetRequests()
			if _, err := e.client(in(modes[1])).List(ctx, webhook.ListOptions{}); err != nil {
				t.Fatal(err)
			}
			if n := e.count(http.MethodPost, "/auth/credentials"); n != 0 {
				t.Errorf("%d logins with the new mode's token cached", n)
			}
		})
	}
}
