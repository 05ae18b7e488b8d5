package pexa

import (
	"slices"
	"strings"
	"testing"

	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Each operation's token asks for that operation's scope
// only, from the region's documented set, so a client without one scope
// can still do what the others allow.
func TestScopesPerOperation(t *testing.T) {
	for _, region := range []string{RegionUK, RegionAU} {
		t.Run(region, func(t *testing.T) {
			e := newEnv(t)
			c, _ := e.client(inRegion(region))
			ev := "WORKSPACE_CLOSED"
			if region == RegionAU {
				ev = "CHECKLIST_CHECKED"
			}
			reg := mustRegister(t, c, receiverURL("/s"), MandatoryEvent, ev)
			u := receiverURL("/s2")
			steps := []struct {
				op  apiOp
				run func() error
			}{
				{opCreate, func() error { return nil }}, // the register above
				{opRead, func() error { _, err := c.Get(ctx, reg.ID); return err }},
				{opEdit, func() error {
					_, err := c.Update(ctx, reg.ID, webhook.UpdateRequest{URL: &u, Events: []string{MandatoryEvent, ev}})
					return err
				}},
				{opRotate, func() error { _, err := c.RotateSecret(ctx, reg.ID, webhook.RotateRequest{}); return err }},
				{opDelete, func() error { return c.Delete(ctx, reg.ID) }},
			}
			var want []string
			for _, s := range steps {
				if err := s.run(); err != nil {
					t.Fatalf("%s: %v", s.op, err)
				}
				sc := operationScopes[region][s.op]
				want = append(want, sc)
				// The scope is one the region defines: the emulator's own
				// reading grants the sandbox client exactly those.
				if !slices.Contains(pexaemu.GrantedScopes(pexaemu.SandboxClientID, region), sc) {
					t.Errorf("%s asks for %s, which %s does not define", s.op, sc, describeRegion(region))
				}
			}
			if got := e.allTokenScopes(); !slices.Equal(got, want) {
				t.Fatalf("token requests asked for %q, want %q", got, want)
			}
		})
	}
}

// A UK client of the v1 API only: writes work, and the read (a v2 call)
// fails at the token endpoint with a message naming the scope it lacks.
func TestV1ClientWithoutTheReadScope(t *testing.T) {
	e := newEnv(t)
	c, _ := e.client(func(o *clientOpts) { o.settings = map[string]string{FieldClientID: pexaemu.SandboxV1ClientID} })
	reg := mustRegister(t, c, receiverURL("/v1"), MandatoryEvent, "WORKSPACE_CLOSED")
	if _, err := c.RotateSecret(ctx, reg.ID, webhook.RotateRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.List(ctx, webhook.ListOptions{})
	we := kindOf(t, err, webhook.KindAuth)
	if !strings.Contains(we.Error(), "not been granted scopes: view:notification_registrations") || !strings.Contains(we.Error(), "--scopes") {
		t.Fatalf("list: %v", err)
	}
	if err := c.Delete(ctx, reg.ID); err != nil {
		t.Fatal(err)
	}
}

// The profile's scopes replace each operation's: one token serves them all.
func TestProfileScopesOverride(t *testing.T) {
	e := newEnv(t)
	c, _ := e.client(func(o *clientOpts) {
		o.settings = map[string]string{FieldScopes: normalizeScopes("view:notification_registrations,create:notification_registrations")}
	})
	mustRegister(t, c, receiverURL("/o"), MandatoryEvent, "WORKSPACE_CLOSED")
	if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := e.allTokenScopes(); !slices.Equal(got, []string{"view:notification_registrations create:notification_registrations"}) {
		t.Fatalf("token requests asked for %q", got)
	}
	// A call the override lacks is refused by PEXA, and the hint says
	// where the scopes came from.
	err := c.Delete(ctx, "a12sd23sf4f5f6f9")
	if we := kindOf(t, err, webhook.KindAuth); !strings.Contains(we.Error(), "the profile's scopes setting") {
		t.Fatalf("delete outside the override: %v", err)
	}
}

func TestParseScopes(t *testing.T) {
	for in, want := range map[string]string{
		"a:b":              "a:b",
		" a:b , c:d\tc:d ": "a:b c:d",
		"a:b c:d,e":        "a:b c:d e",
	} {
		if got, err := parseScopes(in); err != nil || strings.Join(got, " ") != want {
			t.Errorf("parseScopes(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err := validateScopes(in); err != nil {
			t.Errorf("validateScopes(%q): %v", in, err)
		}
	}
	for _, bad := range []string{"", " , ", `a:b "c"`, `a\b`, "a:b\nc", "é"} {
		if _, err := parseScopes(bad); webhook.KindOf(err) != webhook.KindUsage {
			t.Errorf("parseScopes(%q) accepted", bad)
		}
	}
	p := providerDeps(RegionUK).Profile
	p.Settings[FieldScopes] = `x "y"`
	if err := validateProfile(p); err == nil {
		t.Error("a profile with a malformed scopes setting was accepted")
	}
	// A hand-edited config: the client refuses to call rather than ask
	// for other scopes than the profile says.
	e := newEnv(t)
	c, _ := e.client(func(o *clientOpts) { o.settings = map[string]string{FieldScopes: `x "y"`} })
	if _, err := c.List(ctx, webhook.ListOptions{}); webhook.KindOf(err) != webhook.KindUsage || len(e.requests()) != 0 {
		t.Fatalf("malformed scopes setting: %v after %d requests", err, len(e.requests()))
	}
}
