package pexa

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// regionEvent is a non-mandatory event of each region's catalogue.
var regionEvent = map[string]string{RegionUK: "WORKSPACE_CLOSED", RegionAU: "CHECKLIST_CHECKED"}

// apiPrefix is where each region's API lives below the sandbox.
var apiPrefix = map[string]string{RegionUK: "/pexa/uk" + UKAPIPrefix, RegionAU: "/pexa/au"}

func kindOf(t *testing.T, err error, want webhook.Kind) *webhook.Error {
	t.Helper()
	var we *webhook.Error
	if !errors.As(err, &we) || we.Kind != want {
		t.Fatalf("error %v: want kind %v", err, want)
	}
	return we
}

func mustRegister(t *testing.T, c *Client, url string, events ...string) webhook.Registration {
	t.Helper()
	regs, err := c.Register(ctx, webhook.CreateRequest{URL: url, Events: events})
	if err != nil {
		t.Fatalf("register %s: %v", url, err)
	}
	if len(regs) != 1 {
		t.Fatalf("register %s: %d registrations", url, len(regs))
	}
	return regs[0]
}

func jsonBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	return m
}

func TestLifecycle(t *testing.T) {
	for _, region := range []string{RegionUK, RegionAU} {
		t.Run(region, func(t *testing.T) {
			e := newEnv(t)
			c, errOut := e.client(inRegion(region))
			ev := regionEvent[region]
			start := e.clock.Now()

			first := mustRegister(t, c, receiverURL("/one/"), MandatoryEvent, ev, ev)
			if !strings.Contains(errOut.String(), "trailing slash removed") || !strings.Contains(errOut.String(), "given more than once") {
				t.Fatalf("stderr %q should tell about the slash and the duplicate", errOut)
			}
			if first.ID == "" || first.Secret == "" || first.Provider != "pexa" || first.Profile != "sb-"+region || first.Status != StatusOK || !first.Active {
				t.Fatalf("registered %+v", first)
			}
			if first.URL != receiverURL("/one") || !slices.Equal(first.Events, []string{MandatoryEvent, ev}) {
				t.Fatalf("registered %+v", first)
			}
			if first.SecretExpiresAt == nil || !first.SecretExpiresAt.Equal(start.Add(SecretLifetime)) {
				t.Fatalf("secret expires %v, want 30 days after %v", first.SecretExpiresAt, start)
			}
			// the issue date of the secret is its expiry less the lifetime
			if first.SecretRotatedAt == nil || !first.SecretRotatedAt.Equal(start) {
				t.Fatalf("secret rotated at %v, want %v (its expiry less 30 days)", first.SecretRotatedAt, start)
			}
			if first.Extra["subscriber_id"] != pexaemu.SandboxSubscriberID || first.Extra["region"] != region {
				t.Fatalf("extra %+v", first.Extra)
			}
			reqs := e.apiRequests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != apiPrefix[region]+"/v1/notification-registrations" {
				t.Fatalf("register requests %+v", reqs)
			}
			if reqs[0].Header.Get("Idempotency-Key") != "" || !strings.HasPrefix(reqs[0].Header.Get("Authorization"), "Bearer ") {
				t.Fatalf("register headers %v", reqs[0].Header)
			}
			if b := jsonBody(t, reqs[0].Body); b["webhookURI"] != receiverURL("/one") || len(b["eventTypes"].([]any)) != 2 || len(b) != 2 {
				t.Fatalf("register body %s", reqs[0].Body)
			}

			e.clock.Add(time.Minute)
			second := mustRegister(t, c, receiverURL("/two"), MandatoryEvent, ev)
			e.clock.Add(time.Minute)
			third := mustRegister(t, c, receiverURL("/three"), ev, MandatoryEvent)

			// A cap of 2 reads one page of 2; All overrides a cap; the
			// default is every registration in pages of 20. Newest update first.
			e.resetRequests()
			page, err := c.List(ctx, webhook.ListOptions{Limit: 2})
			if err != nil || len(page) != 2 || page[0].ID != third.ID || page[1].ID != second.ID {
				t.Fatalf("capped: %+v %v", page, err)
			}
			all, err := c.List(ctx, webhook.ListOptions{Limit: 2, All: true})
			if err != nil || len(all) != 3 || all[2].ID != first.ID || all[2].Secret != first.Secret {
				t.Fatalf("all: %+v %v", all, err)
			}
			def, err := c.List(ctx, webhook.ListOptions{})
			if err != nil || len(def) != 3 {
				t.Fatalf("default: %d %v", len(def), err)
			}
			var queries []string
			for _, r := range e.apiRequests() {
				queries = append(queries, r.Query)
			}
			if want := []string{"limit=2&page=1", "limit=20&page=1", "limit=20&page=1"}; !slices.Equal(queries, want) {
				t.Fatalf("list queries %q, want %q", queries, want)
			}

			got, err := c.Get(ctx, first.ID)
			if err != nil || got.Secret != first.Secret || got.URL != first.URL || !got.SecretExpiresAt.Equal(*first.SecretExpiresAt) {
				t.Fatalf("get: %+v %v", got, err)
			}

			// Update sends both fields (PUT), keeping what is not changed.
			e.resetRequests()
			newURL := receiverURL("/one-v2")
			upd, err := c.Update(ctx, first.ID, webhook.UpdateRequest{URL: &newURL})
			if err != nil {
				t.Fatal(err)
			}
			if upd.URL != newURL || !slices.Equal(upd.Events, first.Events) || upd.SecretExpiresAt == nil || !upd.SecretExpiresAt.Equal(*first.SecretExpiresAt) {
				t.Fatalf("updated %+v", upd)
			}
			reqs = e.apiRequests()
			if len(reqs) != 2 || reqs[1].Method != http.MethodPut || reqs[1].Path != apiPrefix[region]+"/v1/notification-registrations/"+first.ID {
				t.Fatalf("update requests %+v", reqs)
			}
			if b := jsonBody(t, reqs[1].Body); b["webhookURI"] != newURL || len(b["eventTypes"].([]any)) != 2 {
				t.Fatalf("update body %s", reqs[1].Body)
			}
			upd, err = c.Update(ctx, first.ID, webhook.UpdateRequest{Events: []string{MandatoryEvent, ev}})
			if err != nil || upd.URL != newURL {
				t.Fatalf("update events: %+v %v", upd, err)
			}

			// Rotate: the previous secret stays valid 24 h.
			e.clock.Add(time.Hour)
			rolledAt := e.clock.Now()
			rot, err := c.RotateSecret(ctx, first.ID, webhook.RotateRequest{})
			if err != nil {
				t.Fatal(err)
			}
			// No read before the POST: the previous secret is the caller's
			// stored one, not the answer's.
			if rot.NewSecret == "" || rot.NewSecret == first.Secret || rot.PreviousSecret != "" || rot.Registration.Secret != rot.NewSecret {
				t.Fatalf("rotation %+v (old %s)", rot, first.Secret)
			}
			if rot.PreviousValidUntil == nil || !rot.PreviousValidUntil.Equal(rolledAt.Add(24*time.Hour)) {
				t.Fatalf("previous valid until %v", rot.PreviousValidUntil)
			}
			if rot.NewSecretExpiresAt == nil || !rot.NewSecretExpiresAt.Equal(rolledAt.Add(SecretLifetime)) {
				t.Fatalf("new secret expires %v", rot.NewSecretExpiresAt)
			}
			if p := c.RotationPolicy(); p.Overlap != 24*time.Hour || p.ClientChoosesSecret || p.MaxConcurrency < 1 {
				t.Fatalf("policy %+v", p)
			}
			if got, _ := c.Get(ctx, first.ID); got.Secret != rot.NewSecret {
				t.Fatalf("after rotate: %+v", got)
			}
			for _, r := range e.apiRequests() {
				if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/secret-rotation") && len(r.Body) != 0 {
					t.Fatalf("rotation sent a body: %q", r.Body)
				}
			}

			// Deliveries are signed with both secrets during the overlap.
			req, err := e.box.Delivery(ctx, first.ID, ev)
			if err != nil {
				t.Fatal(err)
			}
			if sigs := strings.Fields(req.Header.Get(pexaemu.HeaderWebhookSignature)); len(sigs) != 2 {
				t.Fatalf("signatures during overlap: %q", sigs)
			}
			// One token per operation's scope, each fetched once.
			if scopes := e.allTokenScopes(); len(scopes) != 4 || len(slices.Compact(slices.Sorted(slices.Values(scopes)))) != 4 {
				t.Fatalf("token requests asked for %q, want each of register, list, update and rotate's scopes once", scopes)
			}

			if err := c.Delete(ctx, first.ID); err != nil {
				t.Fatal(err)
			}
			if last := e.apiRequests()[len(e.apiRequests())-1]; last.Method != http.MethodDelete || last.Status != http.StatusNoContent {
				t.Fatalf("delete answered %d", last.Status)
			}
			_, err = c.Get(ctx, first.ID)
			kindOf(t, err, webhook.KindNotFound)
			err = c.Delete(ctx, first.ID)
			if we := kindOf(t, err, webhook.KindNotFound); !strings.Contains(we.Error(), "GA.NOTIF.404007") {
				t.Fatalf("delete again: %v", we)
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	c, _ := e.client(inRegion(RegionAU))
	for i := range 45 {
		mustRegister(t, c, receiverURL(fmt.Sprintf("/h%02d", i)), MandatoryEvent, "CHECKLIST_CHECKED")
		e.clock.Add(time.Second)
	}
	e.resetRequests()
	all, err := c.List(ctx, webhook.ListOptions{})
	if err != nil || len(all) != 45 {
		t.Fatalf("default (every page): %d %v", len(all), err)
	}
	if all[0].URL != receiverURL("/h44") || all[44].URL != receiverURL("/h00") {
		t.Fatalf("order: first %s last %s", all[0].URL, all[44].URL)
	}
	if n := len(e.apiRequests()); n != 3 {
		t.Fatalf("%d pages read, want 3 of 20", n)
	}
	// OnPage hears each page as it arrives, before the next is read.
	e.resetRequests()
	var pages []string
	paged, err := c.List(ctx, webhook.ListOptions{All: true, OnPage: func(p []webhook.Registration) error {
		pages = append(pages, fmt.Sprintf("%d after %d requests", len(p), len(e.apiRequests())))
		return nil
	}})
	if want := []string{"20 after 1 requests", "20 after 2 requests", "5 after 3 requests"}; err != nil || len(paged) != 45 || !slices.Equal(pages, want) {
		t.Fatalf("OnPage heard %q (%v), want %q", pages, err, want)
	}
	e.resetRequests()
	some, err := c.List(ctx, webhook.ListOptions{Limit: 25})
	if err != nil || len(some) != 25 || len(e.apiRequests()) != 2 || some[24].URL != receiverURL("/h20") {
		t.Fatalf("limit 25: %d records, %d requests, %v", len(some), len(e.apiRequests()), err)
	}
	e.resetRequests()
	if capped, err := c.List(ctx, webhook.ListOptions{Limit: 40}); err != nil || len(capped) != 40 || len(e.apiRequests()) != 2 {
		t.Fatalf("limit 40: %d records, %d requests, %v", len(capped), len(e.apiRequests()), err)
	}
	if _, err := c.List(ctx, webhook.ListOptions{Limit: -1}); err == nil {
		t.Fatal("negative limit accepted")
	}
}

func TestTokenCachedAcrossInstances(t *testing.T) {
	e := newEnv(t)
	a, _ := e.client()
	if _, err := a.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	// A second process: a new client on the same keyring.
	b, _ := e.client()
	if _, err := b.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := e.tokenRequests(); n != 1 {
		t.Fatalf("%d token requests across two instances, want 1", n)
	}
	raw, err := e.creds.Get("sb-uk", CredToken)
	if err != nil {
		t.Fatal(err)
	}
	var cached struct {
		Fingerprint string `json:"fingerprint"`
		Value       struct {
			Tokens map[string]struct {
				AccessToken string    `json:"access_token"`
				Expiry      time.Time `json:"expiry"`
			} `json:"tokens"`
		} `json:"value"`
	}
	if err := json.Unmarshal([]byte(raw), &cached); err != nil || cached.Fingerprint == "" {
		t.Fatalf("cached token %s (%v)", raw, err)
	}
	view := cached.Value.Tokens["view:notification_registrations"]
	if len(cached.Value.Tokens) != 1 || view.AccessToken == "" || !view.Expiry.Equal(e.clock.Now().Add(pexaemu.TokenLifetime)) {
		t.Fatalf("cached token %s", raw)
	}

	// Another operation asks for its own scope, cached beside the first:
	// a third process needs neither again.
	if _, err := b.Register(ctx, webhook.CreateRequest{URL: receiverURL("/cached"), Events: []string{MandatoryEvent, "WORKSPACE_CLOSED"}}); err != nil {
		t.Fatal(err)
	}
	third, _ := e.client()
	if _, err := third.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := third.Register(ctx, webhook.CreateRequest{URL: receiverURL("/cached2"), Events: []string{MandatoryEvent, "WORKSPACE_CLOSED"}}); err != nil {
		t.Fatal(err)
	}
	if n := e.tokenRequests(); n != 2 {
		t.Fatalf("%d token requests for two scope sets across three instances, want 2", n)
	}

	// Within 60 s of its expiry a cached token is not used any more.
	e.clock.Add(pexaemu.TokenLifetime - 30*time.Second)
	c, _ := e.client()
	if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := e.tokenRequests(); n != 3 {
		t.Fatalf("%d token requests after nearing expiry, want 2", n)
	}
	// A cache entry of another client id is not reused.
	other, _ := e.client(func(o *clientOpts) { o.settings = map[string]string{FieldClientID: "someone-else"} })
	_, err = other.List(ctx, webhook.ListOptions{})
	kindOf(t, err, webhook.KindAuth)
	if n := e.tokenRequests(); n < 4 {
		t.Fatalf("the other client reused a token of %s", pexaemu.SandboxClientID)
	}
}

func TestConcurrentRotationsShareOneToken(t *testing.T) {
	e := newEnv(t)
	setup, _ := e.client(inRegion(RegionAU))
	var ids []string
	for i := range 8 {
		ids = append(ids, mustRegister(t, setup, receiverURL(fmt.Sprintf("/c%d", i)), MandatoryEvent, "CHECKLIST_CHECKED").ID)
	}
	if err := e.creds.Delete("sb-au", CredToken); err != nil {
		t.Fatal(err)
	}
	e.resetRequests()
	c, _ := e.client(inRegion(RegionAU))
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.RotateSecret(ctx, id, webhook.RotateRequest{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := e.tokenRequests(); n != 1 {
		t.Fatalf("%d token requests for 8 concurrent rotations, want 1", n)
	}
}

func TestRejectedTokenIsRefetchedOnce(t *testing.T) {
	e := newEnv(t)
	c, _ := e.client()
	l, err := c.login()
	if err != nil {
		t.Fatal(err)
	}
	c.cache.Save(l.Fingerprint, tokenCache{Tokens: map[string]cachedToken{
		"create:notification_registrations": {AccessToken: "revoked", Expiry: e.clock.Now().Add(time.Hour)},
	}})
	// A POST refused with 401 is sent again: nothing was created.
	reg := mustRegister(t, c, receiverURL("/r"), MandatoryEvent, "WORKSPACE_CLOSED")
	reqs := e.requests()
	if len(reqs) != 3 || reqs[0].Status != http.StatusUnauthorized || !reqs[1].isToken() || reqs[2].Status != http.StatusOK {
		t.Fatalf("requests %+v", reqs)
	}
	if regs, _ := c.List(ctx, webhook.ListOptions{}); len(regs) != 1 || regs[0].ID != reg.ID {
		t.Fatalf("registrations %+v", regs)
	}
	if raw, _ := e.creds.Get("sb-uk", CredToken); strings.Contains(raw, "revoked") {
		t.Fatal("the refused token is still cached")
	}

	// An API that keeps refusing: one refetch, then exit 4 with a hint.
	e.resetRequests()
	answerAPI(e, http.StatusUnauthorized, []byte(`{"errors":[{"code":"GA.NOTIF.401004","message":"Unauthorized","field":null}]}`))
	_, err = c.List(ctx, webhook.ListOptions{})
	we := kindOf(t, err, webhook.KindAuth)
	if !strings.Contains(we.Error(), "hookctl auth login") || !strings.Contains(we.Error(), "HOOKCTL_SB_UK_CLIENT_SECRET") {
		t.Fatalf("error %q", we)
	}
	if api, tok := len(e.apiRequests()), e.tokenRequests(); api != 2 || tok != 1 {
		t.Fatalf("%d API and %d token requests, want 2 and 1", api, tok)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Run("wrong secret", func(t *testing.T) {
		e := newEnv(t)
		c, _ := e.client(func(o *clientOpts) { o.env = map[string]string{"HOOKCTL_CLIENT_SECRET": "wrong"} })
		_, err := c.List(ctx, webhook.ListOptions{})
		we := kindOf(t, err, webhook.KindAuth)
		// The secret in effect is the variable: auth login cannot help.
		for _, want := range []string{"HOOKCTL_CLIENT_SECRET is set", "unset it", "Unauthorized", `the client id is the profile's ("sandbox-client"`} {
			if !strings.Contains(we.Error(), want) {
				t.Fatalf("error %q lacks %q", we, want)
			}
		}
		if strings.Contains(we.Error(), "auth login") || strings.Contains(we.Error(), "set HOOKCTL_SB_UK_CLIENT_SECRET") {
			t.Fatalf("error %q names a fix that cannot help while HOOKCTL_CLIENT_SECRET is set", we)
		}
		if len(e.apiRequests()) != 0 {
			t.Fatal("an API call went out without a token")
		}
	})
	t.Run("env wins over keyring", func(t *testing.T) {
		e := newEnv(t)
		c, _ := e.client(func(o *clientOpts) {
			o.secret = "stale-in-keyring"
			o.env = map[string]string{"HOOKCTL_CLIENT_SECRET": pexaemu.SandboxClientSecret}
		})
		if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("missing secret", func(t *testing.T) {
		e := newEnv(t)
		c, _ := e.client(func(o *clientOpts) { o.secret = "" })
		_, err := c.List(ctx, webhook.ListOptions{})
		we := kindOf(t, err, webhook.KindAuth)
		if !strings.Contains(we.Error(), "HOOKCTL_SB_UK_CLIENT_SECRET") || len(e.requests()) != 0 {
			t.Fatalf("error %q after %d requests", we, len(e.requests()))
		}
	})
	t.Run("scope not granted", func(t *testing.T) {
		e := newEnv(t)
		e.box.SetGranted([]string{"view:notification_registrations"})
		c, _ := e.client()
		if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
			t.Fatalf("list needs only the view scope: %v", err)
		}
		_, err := c.RotateSecret(ctx, "a12sd23sf4f5f6f9", webhook.RotateRequest{})
		we := kindOf(t, err, webhook.KindAuth)
		for _, want := range []string{"not been granted", "asked for create:notification_registrations_secret_rotation (the scope this operation needs)", "--scopes"} {
			if !strings.Contains(we.Error(), want) {
				t.Fatalf("error %q lacks %q", we, want)
			}
		}
	})
}

func writeSecretFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Names missing from the region's catalogue are not the client's to
// refuse: they are sent, and PEXA's answer stands. The
// emulator takes WORKSPACE_PARTICIPANT_ADDED in AU, as PEXA's own examples
// use it, and refuses a UK v2 event on the v1 API.
func TestUnknownEventsAreSent(t *testing.T) {
	e := newEnv(t)
	au, _ := e.client(inRegion(RegionAU))
	regs, err := au.Register(ctx, webhook.CreateRequest{URL: receiverURL("/au"), Events: []string{MandatoryEvent, "WORKSPACE_PARTICIPANT_ADDED"}})
	if err != nil || !slices.Equal(regs[0].Events, []string{MandatoryEvent, "WORKSPACE_PARTICIPANT_ADDED"}) {
		t.Fatalf("AU register with PEXA's example event: %+v %v", regs, err)
	}
	// The built-in AU catalogue is the guide's plus the names PEXA's own
	// OpenAPI examples use, so the command does not warn about them.
	cat, err := au.EventsToCheck(ctx, []string{"WORKSPACE_PARTICIPANT_ADDED"})
	if err != nil || !slices.Contains(cat.Names(), "WORKSPACE_PARTICIPANT_ADDED") || cat.Source != webhook.SourceBuiltIn {
		t.Fatalf("the AU catalogue lacks PEXA's example event: %+v %v", cat, err)
	}
	uk, _ := e.client()
	_, err = uk.Register(ctx, webhook.CreateRequest{URL: receiverURL("/uk"), Events: []string{MandatoryEvent, "TITLE_DATA_RECEIVED"}})
	if we := kindOf(t, err, webhook.KindError); we.Status != 400 || !strings.Contains(we.Msg, "GA.NOTIF.400015") {
		t.Fatalf("UK v2 event on v1: %v", err)
	}
}

func TestRulesBeforeAnyRequest(t *testing.T) {
	ok := []string{MandatoryEvent, "WORKSPACE_CLOSED"}
	cases := []struct {
		name, region, url string
		events            []string
		params            map[string]string
		reqName           string
		inactive          bool
		want              string
		kind              webhook.Kind
	}{
		{name: "http", url: "http://hooks.example.com/x", events: ok, want: "only https://"},
		{name: "relative", url: "/hooks", events: ok, want: "absolute URL"},
		{name: "no url", url: "", events: ok, want: "--url is required"},
		{name: "no SECRET_EXPIRY", url: receiverURL("/x"), events: []string{"WORKSPACE_CLOSED"}, want: "SECRET_EXPIRY is a mandatory event"},
		{name: "only SECRET_EXPIRY", url: receiverURL("/x"), events: []string{MandatoryEvent, MandatoryEvent}, want: "at least one event besides SECRET_EXPIRY"},
		{name: "no events", url: receiverURL("/x"), want: "at least one --event"},
		{name: "empty event", url: receiverURL("/x"), events: []string{MandatoryEvent, " "}, want: "an empty event name"},
		{name: "auth mode in UK", url: receiverURL("/x"), events: ok, params: map[string]string{ParamAuthMode: "HMAC"}, want: "only the AU region"},
		{name: "auth url without mode", region: RegionAU, url: receiverURL("/x"), events: []string{MandatoryEvent, "CHECKLIST_CHECKED"}, params: map[string]string{ParamAuthURL: "https://auth.example.com/token"}, want: "needs --auth-mode HMAC_OAUTH"},
		{name: "HMAC with config", region: RegionAU, url: receiverURL("/x"), events: []string{MandatoryEvent, "CHECKLIST_CHECKED"}, params: map[string]string{ParamAuthMode: "HMAC", ParamAuthClientID: "x"}, want: "does not go with --auth-mode HMAC"},
		{name: "HMAC_OAUTH incomplete", region: RegionAU, url: receiverURL("/x"), events: []string{MandatoryEvent, "CHECKLIST_CHECKED"}, params: map[string]string{ParamAuthMode: "HMAC_OAUTH", ParamAuthURL: "https://auth.example.com/token"}, want: "needs --auth-client-id, --auth-client-auth-method"},
		{name: "client_secret without file", region: RegionAU, url: receiverURL("/x"), events: []string{MandatoryEvent, "CHECKLIST_CHECKED"}, params: map[string]string{ParamAuthMode: "HMAC_OAUTH", ParamAuthURL: "https://auth.example.com/token", ParamAuthClientID: "c", ParamAuthClientAuthMethod: "client_secret"}, want: "needs --auth-client-secret-file"},
		{name: "auth url http", region: RegionAU, url: receiverURL("/x"), events: []string{MandatoryEvent, "CHECKLIST_CHECKED"}, params: map[string]string{ParamAuthMode: "HMAC_OAUTH", ParamAuthURL: "http://auth.example.com/token"}, want: "must be an https:// token endpoint"},
		{name: "bad auth mode", region: RegionAU, url: receiverURL("/x"), events: []string{MandatoryEvent, "CHECKLIST_CHECKED"}, params: map[string]string{ParamAuthMode: "OAUTH"}, want: "want HMAC or HMAC_OAUTH"},
		{name: "missing secret file", region: RegionAU, url: receiverURL("/x"), events: []string{MandatoryEvent, "CHECKLIST_CHECKED"}, params: map[string]string{ParamAuthMode: "HMAC_OAUTH", ParamAuthURL: "https://auth.example.com/token", ParamAuthClientID: "c", ParamAuthClientAuthMethod: "client_secret", ParamAuthClientSecretFile: "/nonexistent/secret"}, want: "--auth-client-secret-file"},
		{name: "unknown param", url: receiverURL("/x"), events: ok, params: map[string]string{"reference": "r"}, want: "--reference is not a pexa option"},
		{name: "name", url: receiverURL("/x"), events: ok, reqName: "n", want: "not supported by pexa"},
		{name: "inactive", url: receiverURL("/x"), events: ok, inactive: true, want: "not supported by pexa"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			region := cmpOr(tc.region, RegionUK)
			c, _ := e.client(inRegion(region))
			req := webhook.CreateRequest{URL: tc.url, Events: tc.events, Params: tc.params, Name: tc.reqName}
			if tc.inactive {
				f := false
				req.Active = &f
			}
			_, err := c.Register(ctx, req)
			we := kindOf(t, err, webhook.KindUsage)
			if !strings.Contains(we.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", we, tc.want)
			}
			if n := len(e.requests()); n != 0 {
				t.Fatalf("%d requests sent before a rule violation was reported", n)
			}
		})
	}

	t.Run("update", func(t *testing.T) {
		e := newEnv(t)
		c, _ := e.client()
		id := "5d0c3d4e-8a8f-4e0e-9d0a-1c2b3c4d5e6f"
		f := false
		bad := "http://x.example.com"
		for _, req := range []webhook.UpdateRequest{
			{Active: &f},
			{},
			{URL: &bad},
			{Events: []string{"WORKSPACE_CLOSED"}},
			{Params: map[string]string{ParamAuthMode: "HMAC"}},
		} {
			_, err := c.Update(ctx, id, req)
			kindOf(t, err, webhook.KindUsage)
		}
		_, err := c.Update(ctx, "a/b", webhook.UpdateRequest{URL: &bad})
		kindOf(t, err, webhook.KindUsage)
		if n := len(e.requests()); n != 0 {
			t.Fatalf("%d requests sent", n)
		}
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestAUAuthModes(t *testing.T) {
	e := newEnv(t)
	c, _ := e.client(inRegion(RegionAU))
	events := []string{MandatoryEvent, "CHECKLIST_CHECKED"}

	hmacReg, err := c.Register(ctx, webhook.CreateRequest{URL: receiverURL("/hmac"), Events: events, Params: map[string]string{ParamAuthMode: "hmac"}})
	if err != nil {
		t.Fatal(err)
	}
	last := e.apiRequests()[len(e.apiRequests())-1]
	if last.Path != "/pexa/au/v3/notification-registrations" {
		t.Fatalf("HMAC register went to %s", last.Path)
	}
	b := jsonBody(t, last.Body)
	attrs := b["attributes"].(map[string]any)
	if b["notificationType"] != "WEBHOOK" || attrs["authenticationMode"] != "HMAC" || attrs["authConfig"] != nil {
		t.Fatalf("v3 HMAC body %s", last.Body)
	}
	if hmacReg[0].Extra["authentication_mode"] != "HMAC" || hmacReg[0].Secret == "" {
		t.Fatalf("registered %+v", hmacReg[0])
	}

	secretFile := writeSecretFile(t, "receiver-secret\n")
	oauth, err := c.Register(ctx, webhook.CreateRequest{URL: receiverURL("/oauth"), Events: events, Params: map[string]string{
		ParamAuthMode: "HMAC_OAUTH", ParamAuthURL: "https://auth.example.com/oauth/token", ParamAuthClientID: "pexa-at-us",
		ParamAuthClientAuthMethod: "client_secret", ParamAuthClientSecretFile: secretFile, ParamAuthScope: "a  b"}})
	if err != nil {
		t.Fatal(err)
	}
	last = e.apiRequests()[len(e.apiRequests())-1]
	cfg := jsonBody(t, last.Body)["attributes"].(map[string]any)["authConfig"].(map[string]any)
	if cfg["clientSecret"] != "receiver-secret" || cfg["clientAuthMethod"] != "client_secret" || cfg["scope"] != "a b" || cfg["audience"] != nil {
		t.Fatalf("authConfig sent %v", cfg)
	}
	ac, _ := oauth[0].Extra["auth_config"].(map[string]any)
	if ac["client_id"] != "pexa-at-us" || ac["client_secret"] != nil || strings.Contains(fmt.Sprint(oauth[0].Extra), "receiver-secret") {
		t.Fatalf("auth config shown %v", oauth[0].Extra)
	}

	// Updating only the URL of an HMAC_OAUTH registration uses v1 and keeps its mode.
	u := receiverURL("/oauth2")
	upd, err := c.Update(ctx, oauth[0].ID, webhook.UpdateRequest{URL: &u})
	if err != nil || upd.Extra["authentication_mode"] != AuthModeHMACOAuth {
		t.Fatalf("update URL: %+v %v", upd, err)
	}
	// Changing its auth settings needs the secret again: PEXA never returns it.
	_, err = c.Update(ctx, oauth[0].ID, webhook.UpdateRequest{Params: map[string]string{ParamAuthScope: "c"}})
	if we := kindOf(t, err, webhook.KindUsage); !strings.Contains(we.Error(), "never returns the stored one") {
		t.Fatalf("error %q", we)
	}
	// Switching to HMAC drops authConfig, through v3.
	upd, err = c.Update(ctx, oauth[0].ID, webhook.UpdateRequest{Params: map[string]string{ParamAuthMode: "HMAC"}})
	if err != nil || upd.Extra["authentication_mode"] != AuthModeHMAC || upd.Extra["auth_config"] != nil || upd.URL != u {
		t.Fatalf("switch to HMAC: %+v %v", upd, err)
	}
	last = e.apiRequests()[len(e.apiRequests())-1]
	if last.Method != http.MethodPut || last.Path != "/pexa/au/v3/notification-registrations/"+oauth[0].ID {
		t.Fatalf("switch went to %s %s", last.Method, last.Path)
	}
	// And to HMAC_OAUTH with private_key_jwt, merged with nothing (it was HMAC).
	upd, err = c.Update(ctx, oauth[0].ID, webhook.UpdateRequest{Params: map[string]string{ParamAuthMode: "HMAC_OAUTH",
		ParamAuthURL: "https://auth.example.com/oauth/token", ParamAuthClientID: "kms", ParamAuthClientAuthMethod: "private_key_jwt", ParamAuthAudience: "https://api.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if ac, _ := upd.Extra["auth_config"].(map[string]any); ac["client_auth_method"] != ClientAuthPrivateKeyJWT || ac["audience"] != "https://api.example.com" {
		t.Fatalf("auth config %v", upd.Extra)
	}
	// A scope change on a private_key_jwt registration merges with the current config.
	upd, err = c.Update(ctx, oauth[0].ID, webhook.UpdateRequest{Params: map[string]string{ParamAuthScope: "x y"}})
	if err != nil {
		t.Fatal(err)
	}
	if ac, _ := upd.Extra["auth_config"].(map[string]any); ac["client_id"] != "kms" || ac["scope"] != "x y" {
		t.Fatalf("merged auth config %v", upd.Extra)
	}
}

func TestErrorHints(t *testing.T) {
	for _, region := range []string{RegionUK, RegionAU} {
		t.Run("not whitelisted "+region, func(t *testing.T) {
			e := newEnv(t)
			c, _ := e.client(inRegion(region))
			_, err := c.Register(ctx, webhook.CreateRequest{URL: "https://not-whitelisted.example.com/h", Events: []string{MandatoryEvent, regionEvent[region]}})
			we := kindOf(t, err, webhook.KindError)
			for _, want := range []string{"The webhook domain has not been whitelisted [GA.NOTIF.400014, field webhookURI]", "(HTTP 400)", "ask PEXA to whitelist the domain (UK: a create:webhook_domains call; AU: during onboarding)"} {
				if !strings.Contains(we.Error(), want) {
					t.Fatalf("error %q lacks %q", we, want)
				}
			}
		})
	}
	t.Run("duplicate registration", func(t *testing.T) {
		e := newEnv(t)
		c, _ := e.client()
		mustRegister(t, c, receiverURL("/d"), MandatoryEvent, "WORKSPACE_CLOSED")
		_, err := c.Register(ctx, webhook.CreateRequest{URL: receiverURL("/d/"), Events: []string{"WORKSPACE_CLOSED", MandatoryEvent}})
		if we := kindOf(t, err, webhook.KindError); !strings.Contains(we.Error(), "GA.NOTIF.400019") || !strings.Contains(we.Hint, "already exists") {
			t.Fatalf("error %q", we)
		}
	})
	t.Run("id PEXA cannot read", func(t *testing.T) {
		// The UK portal's own example id: not a UUID, so hookctl sends it
		// (it does not over-validate) and the hint claims nothing about
		// the form of ids.
		e := newEnv(t)
		c, _ := e.client()
		_, err := c.Get(ctx, "a12sd23sf4f5f6f9")
		we := kindOf(t, err, webhook.KindNotFound)
		if !strings.Contains(we.Error(), "GA.NOTIF.400000") || strings.Contains(we.Hint, "UUID") || !strings.Contains(we.Hint, "hookctl list -p") {
			t.Fatalf("error %q, hint %q", we, we.Hint)
		}
		u := receiverURL("/x")
		// Every other id-taking call sends it to PEXA as given too: the
		// answer is PEXA's 400000, not a local refusal.
		for name, call := range map[string]func() error{
			"update": func() error {
				_, err := c.Update(ctx, "a12sd23sf4f5f6f9", webhook.UpdateRequest{URL: &u, Events: []string{MandatoryEvent, "WORKSPACE_CLOSED"}})
				return err
			},
			"delete": func() error { return c.Delete(ctx, "a12sd23sf4f5f6f9") },
			"rotate": func() error { _, err := c.RotateSecret(ctx, "a12sd23sf4f5f6f9", webhook.RotateRequest{}); return err },
		} {
			e.resetRequests()
			we := kindOf(t, call(), webhook.KindNotFound)
			reqs := e.apiRequests()
			if !strings.Contains(we.Error(), "GA.NOTIF.400000") || len(reqs) != 1 || !strings.Contains(reqs[0].Path, "/a12sd23sf4f5f6f9") {
				t.Fatalf("%s of an id PEXA cannot read: %v, requests %+v", name, we, reqs)
			}
		}
	})

	// Answers the client cannot provoke (it checks first) are injected.
	inject := []struct {
		status int
		body   string
		kind   webhook.Kind
		want   []string
	}{
		{400, `{"errors":[{"code":"GA.NOTIF.400015","message":"Invalid eventTypes: [\"X\"]","field":"eventTypes"}]}`, webhook.KindError, []string{"Invalid eventTypes", "hookctl events -p sb-uk", "UK"}},
		{400, `{"errors":[{"code":"GA.NOTIF.400009","message":"Subscriber Id is missing","field":null}]}`, webhook.KindError, []string{"Subscriber Id is missing [GA.NOTIF.400009]", "linked to a subscriber"}},
		{403, `{"errors":[{"code":"GA.NOTIF.403003","message":"Forbidden"}]}`, webhook.KindAuth, []string{"Forbidden", "PEXA refused register with the scopes the token carries", "create:notification_registrations"}},
		{404, `{"errors":[{"code":"GA.NOTIF.404007","message":"Registration not found for given id: x","field":"registrationId"}]}`, webhook.KindNotFound, []string{"Registration not found"}},
		{400, `{"errors":[{"code":"GA.LODGE.001","message":"Subscriber profile has been suspended or terminated"}]}`, webhook.KindError, []string{"suspended", "contact PEXA"}},
		{500, `{"errors":[{"message":"Internal Server Error"}]}`, webhook.KindError, []string{"pexa: Internal Server Error (HTTP 500)"}},
		{500, `{"message":"boom\u001b[31m"}`, webhook.KindError, []string{"pexa: boom [31m (HTTP 500)"}},
		{502, `<html>bad gateway</html>`, webhook.KindError, []string{"<html>bad gateway</html>", "HTTP 502"}},
	}
	for _, tc := range inject {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.want[0]), func(t *testing.T) {
			e := newRawEnv(t)
			c, _ := e.client()
			e.setWrap(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.URL.Path, "/oauth/token") {
						next.ServeHTTP(w, r)
						return
					}
					io.Copy(io.Discard, r.Body)
					w.WriteHeader(tc.status)
					io.WriteString(w, tc.body)
				})
			})
			_, err := c.Register(ctx, webhook.CreateRequest{URL: receiverURL("/i"), Events: []string{MandatoryEvent, "WORKSPACE_CLOSED"}})
			we := kindOf(t, err, tc.kind)
			for _, want := range tc.want {
				if !strings.Contains(we.Error(), want) {
					t.Fatalf("error %q lacks %q", we, want)
				}
			}
			if strings.ContainsRune(we.Error(), 0x1b) {
				t.Fatal("a control character reached the message")
			}
			// A failed POST is never retried blindly: PEXA has no idempotency key.
			if n := len(e.apiRequests()); n != 1 {
				t.Fatalf("%d POSTs sent, want 1", n)
			}
		})
	}
}

func TestStatusSecretExpired(t *testing.T) {
	e := newEnv(t)
	c, _ := e.client()
	reg := mustRegister(t, c, receiverURL("/e"), MandatoryEvent, "WORKSPACE_CLOSED")
	e.clock.Add(SecretLifetime)
	got, err := c.Get(ctx, reg.ID)
	if err != nil || got.Status != StatusSecretExpired {
		t.Fatalf("after 30 days: %+v %v", got, err)
	}
	if _, err := e.box.Delivery(ctx, reg.ID, "WORKSPACE_CLOSED"); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("delivery with an expired secret: %v", err)
	}
	rot, err := c.RotateSecret(ctx, reg.ID, webhook.RotateRequest{})
	if err != nil || rot.Registration.Status != StatusOK {
		t.Fatalf("rotation of an expired secret: %+v %v", rot, err)
	}
}

func TestEventsOffline(t *testing.T) {
	for region, want := range map[string]struct {
		n     int
		about string
	}{RegionUK: {11, "PEXA's UK events (PEXA's UK notifications v1 reference"}, RegionAU: {111, "PEXA's AU events (PEXA's webhooks guide, captured 2026-07-26)"}} {
		c, err := New(providerDeps(region))
		if err != nil {
			t.Fatal(err)
		}
		cat, err := c.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		evs := cat.Events
		if len(evs) != want.n || evs[0].Name != MandatoryEvent || !evs[0].Mandatory {
			t.Fatalf("%s events: %d", region, len(evs))
		}
		if cat.Source != webhook.SourceBuiltIn || !strings.Contains(cat.About, want.about) {
			t.Fatalf("%s source: %+v", region, cat)
		}
		for _, ev := range evs[1:] {
			if ev.Mandatory {
				t.Fatalf("%s: %s marked mandatory", region, ev.Name)
			}
		}
	}
}

func TestCredentialsStoreErrors(t *testing.T) {
	e := newEnv(t)
	c, errOut := e.client(func(o *clientOpts) {
		o.secret = ""
		o.creds = credentials.New(failingBackend{credentials.NewMemory()}, nil)
		o.env = map[string]string{"HOOKCTL_CLIENT_SECRET": pexaemu.SandboxClientSecret}
	})
	if _, err := c.List(ctx, webhook.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "cannot cache the PEXA access token") {
		t.Fatalf("stderr %q", errOut)
	}
}

// failingBackend is a keyring that cannot be written.
type failingBackend struct{ *credentials.Memory }

func (failingBackend) Set(string, string) error { return errors.New("keyring locked") }
