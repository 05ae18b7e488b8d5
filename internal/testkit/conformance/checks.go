package conformance

import (
	"errors"
	"io"
	"maps"
	"slices"
	"testing"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// testRegistry: the registry lines agree with each other, so what the
// other checks derive from them means something.
func (s *suite) testRegistry(t *testing.T) {
	spec, demo := s.h.Spec, s.h.Entry.Demo
	if s.h.Entry.Name != spec.Name {
		t.Errorf("emulator entry %q runs for provider %q", s.h.Entry.Name, spec.Name)
	}
	// The sandbox's credentials are exactly the provider's login ones.
	login := map[string]bool{}
	for _, c := range spec.Credentials {
		v := credentials.EnvVar(c.Name)
		if c.Generated || c.Cache {
			if _, ok := demo.Env[v]; ok && v != "" {
				t.Errorf("Demo.Env sets %s, but %s is a credential hookctl makes itself", v, c.Name)
			}
			continue
		}
		if v == "" {
			t.Errorf("login credential %s has no env variable (pkg/credentials envNames)", c.Name)
			continue
		}
		login[v] = true
		if demo.Env[v] == "" && !c.Optional {
			t.Errorf("Demo.Env lacks %s, the sandbox's %s", v, c.Name)
		}
	}
	for k := range demo.Env {
		if !login[k] {
			t.Errorf("Demo.Env sets %s, which is no login credential of %s", k, spec.Name)
		}
	}
	req := createRequest(t, spec, demo.Register)
	if !slices.Contains(req.Events, demo.Event) {
		t.Errorf("Demo.Event %s is not among the registered events %q", demo.Event, req.Events)
	}
	if demo.UpdateURL == "" || demo.UpdateURL == req.URL {
		t.Errorf("Demo.UpdateURL %q does not move the registration from %s", demo.UpdateURL, req.URL)
	}
}

// testRegister: a registration comes back as asked for, and the emulator's
// deliveries for it verify with what the client handed out.
func (s *suite) testRegister(t *testing.T) {
	e := s.newEnv(t)
	req, regs := e.register(0)
	ids := map[string]bool{}
	var events []string
	for _, r := range regs {
		if r.ID == "" || ids[r.ID] {
			t.Errorf("registration id %q empty or repeated", r.ID)
		}
		ids[r.ID] = true
		e.sameAsAsked(r, req)
		if !r.Active || r.Status != webhook.StatusOK {
			t.Errorf("new registration %s: active %v, status %q; want active and %q", r.ID, r.Active, r.Status, webhook.StatusOK)
		}
		events = append(events, r.Events...)
	}
	if !sameSet(events, req.Events) {
		t.Errorf("registrations receive %q, asked for %q", events, req.Events)
	}
	reg := e.deliverable(regs)
	e.checkSigned(reg, reg.Secret)
}

// sameAsAsked compares what a registration says with the request.
func (e *env) sameAsAsked(r webhook.Registration, req webhook.CreateRequest) {
	e.t.Helper()
	if r.Provider != e.s.h.Spec.Name {
		e.t.Errorf("registration %s: provider %q, want %q", r.ID, r.Provider, e.s.h.Spec.Name)
	}
	// export writes it into the manifest, whose entries need a profile.
	if r.Profile != profileName {
		e.t.Errorf("registration %s: profile %q, want the client's profile %q", r.ID, r.Profile, profileName)
	}
	if r.URL != req.URL {
		e.t.Errorf("registration %s: url %q, want %q", r.ID, r.URL, req.URL)
	}
	if req.Name != "" && r.Name != req.Name {
		e.t.Errorf("registration %s: name %q, want %q", r.ID, r.Name, req.Name)
	}
	if len(r.Events) == 0 || !subset(r.Events, req.Events) {
		e.t.Errorf("registration %s: events %q, want some of %q", r.ID, r.Events, req.Events)
	}
}

// testGet: each registration reads back as it was registered.
func (s *suite) testGet(t *testing.T) {
	e := s.newEnv(t)
	req, regs := e.register(0)
	for _, r := range regs {
		got, err := e.prov.Get(ctx, r.ID)
		if err != nil {
			t.Fatalf("Get %s: %v", r.ID, err)
		}
		if got.ID != r.ID {
			t.Errorf("Get %s answered registration %s", r.ID, got.ID)
		}
		e.sameAsAsked(*got, req)
		if !sameSet(got.Events, r.Events) {
			t.Errorf("Get %s: events %q, registered %q", r.ID, got.Events, r.Events)
		}
	}
}

// testList: a listing has every registration once, across pages where
// the provider pages; Limit caps it without reading pages the cap does not
// need; OnPage sees each page and can end the listing.
func (s *suite) testList(t *testing.T) {
	e := s.newEnv(t)
	ps := s.h.Spec.ListPageSize
	// A provider that answers one list gets more registrations than the
	// pages of most APIs hold (10, 20), so one that pages after all shows
	// as several OnPage calls, or a short list.
	n := 25
	if ps > 0 {
		n = 2*ps + 1 // three pages
	}
	want := map[string]bool{}
	for i := 1; i <= n; i++ {
		_, regs := e.register(i)
		for _, r := range regs {
			want[r.ID] = true
		}
	}

	got, pages, paged := e.list(webhook.ListOptions{})
	e.sameIDs("List", got, want)
	switch {
	case ps > 0 && pages < 3:
		t.Errorf("List of %d registrations, %d a page: OnPage saw %d pages, want 3", len(want), ps, pages)
	case ps == 0 && pages > 1:
		t.Errorf("List: OnPage saw %d pages of a provider that answers one list (Spec.ListPageSize 0)", pages)
	}
	if pages > 0 && paged != len(got) {
		t.Errorf("List: OnPage saw %d registrations, List returned %d", paged, len(got))
	}

	one, _, _ := e.list(webhook.ListOptions{Limit: 1})
	if len(one) != 1 || !want[one[0].ID] {
		t.Errorf("List Limit 1: %d registrations %v, want 1 of those registered", len(one), idsOf(one))
	}
	all, _, _ := e.list(webhook.ListOptions{Limit: 1, All: true})
	e.sameIDs("List All with Limit 1", all, want)
	if ps > 0 {
		capped, pages, _ := e.list(webhook.ListOptions{Limit: ps + 1})
		if len(capped) != ps+1 || pages != 2 {
			t.Errorf("List Limit %d: %d registrations over %d pages, want %d over 2", ps+1, len(capped), pages, ps+1)
		}
	}

	calls := 0
	_, err := e.prov.List(ctx, webhook.ListOptions{OnPage: func([]webhook.Registration) error { calls++; return errStop }})
	switch {
	case calls == 0 && ps > 0:
		t.Errorf("List of a provider that pages never called OnPage")
	case calls > 1:
		t.Errorf("List went on after OnPage failed (%d calls)", calls)
	case calls == 1 && !errors.Is(err, errStop):
		t.Errorf("List after OnPage failed: %v, want its error", err)
	case calls == 0 && err != nil:
		t.Errorf("List: %v", err)
	}
}

// list lists with opts, counting what OnPage sees.
func (e *env) list(opts webhook.ListOptions) (regs []webhook.Registration, pages, paged int) {
	e.t.Helper()
	opts.OnPage = func(p []webhook.Registration) error {
		pages++
		paged += len(p)
		return nil
	}
	regs, err := e.prov.List(ctx, opts)
	if err != nil {
		e.t.Fatalf("List %+v: %v", opts, err)
	}
	return regs, pages, paged
}

func (e *env) sameIDs(what string, got []webhook.Registration, want map[string]bool) {
	e.t.Helper()
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.ID] {
			e.t.Errorf("%s: %s listed twice", what, r.ID)
		}
		seen[r.ID] = true
		if r.Provider != e.s.h.Spec.Name || r.Profile != profileName {
			e.t.Errorf("%s: %s has provider %q and profile %q, want %q and %q", what, r.ID, r.Provider, r.Profile, e.s.h.Spec.Name, profileName)
		}
	}
	if !maps.Equal(seen, want) {
		e.t.Errorf("%s: %d registrations %v, want the %d registered %v", what, len(seen), slices.Sorted(maps.Keys(seen)), len(want), slices.Sorted(maps.Keys(want)))
	}
}

// testUpdate: a new URL lands, and what the update does not name stays.
func (s *suite) testUpdate(t *testing.T) {
	e := s.newEnv(t)
	_, reg := e.registerOne()
	to := s.h.Entry.Demo.UpdateURL
	got, err := e.prov.Update(ctx, reg.ID, webhook.UpdateRequest{URL: &to})
	if err != nil {
		t.Fatalf("Update %s: %v", reg.ID, err)
	}
	for what, r := range map[string]*webhook.Registration{"Update": got, "Get after Update": e.get(reg.ID)} {
		if r.ID != reg.ID || r.URL != to {
			t.Errorf("%s: registration %s at %s, want %s at %s", what, r.ID, r.URL, reg.ID, to)
		}
		if !sameSet(r.Events, reg.Events) {
			t.Errorf("%s: events %q, want them kept: %q", what, r.Events, reg.Events)
		}
		if reg.Name != "" && r.Name != reg.Name {
			t.Errorf("%s: name %q, want it kept: %q", what, r.Name, reg.Name)
		}
	}
}

func (e *env) get(id string) *webhook.Registration {
	e.t.Helper()
	r, err := e.prov.Get(ctx, id)
	if err != nil {
		e.t.Fatalf("Get %s: %v", id, err)
	}
	return r
}

// testRotate: a rotation follows the provider's declared policy, and the
// emulator signs with the new secret afterwards.
func (s *suite) testRotate(t *testing.T) {
	e := s.newEnv(t)
	sr, ok := e.prov.(webhook.SecretRotator)
	if !ok {
		t.Skipf("%s is no webhook.SecretRotator", s.h.Spec.Name)
	}
	e.rotate(sr)
}

// rotate rotates the secret of a new registration and checks the outcome;
// it returns the registration and the rotation, the new secret stored.
func (e *env) rotate(sr webhook.SecretRotator) (webhook.Registration, *webhook.Rotation) {
	e.t.Helper()
	t := e.t
	pol := sr.RotationPolicy()
	if pol.Overlap != e.s.h.Spec.SecretOverlap {
		t.Errorf("RotationPolicy overlap %v, the spec declares %v", pol.Overlap, e.s.h.Spec.SecretOverlap)
	}
	if pol.MaxConcurrency < 1 {
		t.Errorf("RotationPolicy MaxConcurrency %d, want at least 1", pol.MaxConcurrency)
	}
	_, reg := e.registerOne()
	var rr webhook.RotateRequest
	if pol.ClientChoosesSecret {
		// As the rotation engine chooses one.
		rr = webhook.RotateRequest{CurrentSecret: reg.Secret, NewSecret: randomSecret()}
	}
	before := e.clock.Now()
	rot, err := sr.RotateSecret(ctx, reg.ID, rr)
	if err != nil {
		t.Fatalf("RotateSecret %s: %v", reg.ID, err)
	}
	switch {
	case rot.Registration.ID != reg.ID:
		t.Errorf("RotateSecret %s answered registration %s", reg.ID, rot.Registration.ID)
	case rot.NewSecret == "" || rot.NewSecret == reg.Secret:
		t.Errorf("RotateSecret: new secret %q, was %q", rot.NewSecret, reg.Secret)
	case pol.ClientChoosesSecret && rot.NewSecret != rr.NewSecret:
		t.Errorf("RotateSecret: new secret %q, the client chose %q", rot.NewSecret, rr.NewSecret)
	case rot.PreviousSecret != "" && reg.Secret != "" && rot.PreviousSecret != reg.Secret:
		t.Errorf("RotateSecret: previous secret %q, was %q", rot.PreviousSecret, reg.Secret)
	}
	switch until := rot.PreviousValidUntil; {
	case pol.Overlap == 0 && until != nil:
		t.Errorf("RotateSecret: previous secret valid until %v, with no overlap", until)
	case pol.Overlap > 0 && (until == nil || until.Before(before) || until.After(e.clock.Now().Add(pol.Overlap))):
		t.Errorf("RotateSecret: previous secret valid until %v, want within %v of now", until, pol.Overlap)
	}
	if err := e.store.StoreCurrent(profileName, reg.ID, rot.NewSecret, pol.Overlap, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.checkSigned(reg, rot.NewSecret)
	return reg, rot
}

// testDelete: a deleted registration is gone from reads and lists.
func (s *suite) testDelete(t *testing.T) {
	e := s.newEnv(t)
	_, keep := e.register(1)
	_, regs := e.register(0)
	for _, r := range regs {
		if err := e.prov.Delete(ctx, r.ID); err != nil {
			t.Fatalf("Delete %s: %v", r.ID, err)
		}
		_, err := e.prov.Get(ctx, r.ID)
		kindOf(t, "Get after Delete", err, webhook.KindNotFound)
	}
	got, _, _ := e.list(webhook.ListOptions{})
	want := map[string]bool{}
	for _, r := range keep {
		want[r.ID] = true
	}
	e.sameIDs("List after Delete", got, want)
}

// testNotFound: every call on a registration that is gone is KindNotFound.
func (s *suite) testNotFound(t *testing.T) {
	e := s.newEnv(t)
	_, reg := e.registerOne()
	if err := e.prov.Delete(ctx, reg.ID); err != nil {
		t.Fatalf("Delete %s: %v", reg.ID, err)
	}
	_, err := e.prov.Get(ctx, reg.ID)
	kindOf(t, "Get", err, webhook.KindNotFound)
	to := s.h.Entry.Demo.UpdateURL
	_, err = e.prov.Update(ctx, reg.ID, webhook.UpdateRequest{URL: &to})
	kindOf(t, "Update", err, webhook.KindNotFound)
	kindOf(t, "Delete", e.prov.Delete(ctx, reg.ID), webhook.KindNotFound)
	if sr, ok := e.prov.(webhook.SecretRotator); ok {
		var rr webhook.RotateRequest
		if sr.RotationPolicy().ClientChoosesSecret {
			rr = webhook.RotateRequest{CurrentSecret: reg.Secret, NewSecret: randomSecret()}
		}
		_, err := sr.RotateSecret(ctx, reg.ID, rr)
		kindOf(t, "RotateSecret", err, webhook.KindNotFound)
	}
}

// testUsage: requests the client can tell are wrong are KindUsage, and
// nothing reaches the provider, not even a login.
func (s *suite) testUsage(t *testing.T) {
	e := s.newEnv(t)
	to := s.h.Entry.Demo.UpdateURL
	noURL, relURL, unknownParam := e.request(1), e.request(2), e.request(3)
	noURL.URL, relURL.URL = "", "/hooks"
	unknownParam.Params["conformance-no-such-param"] = "x"
	cases := []usageCase{
		{"register without a url", func(p webhook.Provider) error {
			_, err := p.Register(ctx, noURL)
			return err
		}},
		{"register with a relative url", func(p webhook.Provider) error {
			_, err := p.Register(ctx, relURL)
			return err
		}},
		{"register with an unknown param", func(p webhook.Provider) error {
			_, err := p.Register(ctx, unknownParam)
			return err
		}},
		{"get without an id", func(p webhook.Provider) error {
			_, err := p.Get(ctx, "")
			return err
		}},
		{"update without an id", func(p webhook.Provider) error {
			_, err := p.Update(ctx, "", webhook.UpdateRequest{URL: &to})
			return err
		}},
		{"delete without an id", func(p webhook.Provider) error { return p.Delete(ctx, "") }},
		{"list with a negative limit", func(p webhook.Provider) error {
			_, err := p.List(ctx, webhook.ListOptions{Limit: -1})
			return err
		}},
	}
	if is[webhook.SecretRotator](e.prov) {
		cases = append(cases, usageCase{"rotate without an id", func(p webhook.Provider) error {
			_, err := p.(webhook.SecretRotator).RotateSecret(ctx, "", webhook.RotateRequest{NewSecret: randomSecret()})
			return err
		}})
	}
	for _, c := range cases {
		// A client that has not logged in yet, so a login ahead of the
		// check shows as a request.
		p := e.client(e.newStore(s.h.Entry.Demo.Env))
		before := e.requests.Load()
		kindOf(t, c.name, c.call(p), webhook.KindUsage)
		if n := e.requests.Load() - before; n != 0 {
			t.Errorf("%s: %d requests reached the provider before the refusal", c.name, n)
		}
	}
}

// usageCase is a call the client must refuse itself.
type usageCase struct {
	name string
	call func(webhook.Provider) error
}

// testAuth: each sandbox credential, when wrong, is KindAuth, and a
// refused register creates nothing.
func (s *suite) testAuth(t *testing.T) {
	e := s.newEnv(t)
	vars := s.h.Entry.Demo.Env
	if len(vars) == 0 {
		t.Fatalf("Demo.Env holds no credential to get wrong")
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		wrong := maps.Clone(vars)
		wrong[k] = alter(vars[k])
		c := e.client(e.newStore(wrong))
		_, err := c.List(ctx, webhook.ListOptions{})
		kindOf(t, "List with a wrong "+k, err, webhook.KindAuth)
		_, err = c.Register(ctx, e.request(1))
		kindOf(t, "Register with a wrong "+k, err, webhook.KindAuth)
		if a, ok := c.(webhook.Authenticator); ok {
			kindOf(t, "Authenticate with a wrong "+k, a.Authenticate(ctx), webhook.KindAuth)
		}
	}
	// New reads no credential (commands refuse what a provider lacks, and
	// profile show lists capabilities, before a login is needed); without
	// any, the first request fails.
	if _, err := e.client(e.newStore(nil)).List(ctx, webhook.ListOptions{}); err == nil {
		t.Errorf("List with no login credentials: no error")
	}
	got, _, _ := e.list(webhook.ListOptions{})
	e.sameIDs("List after refused registers", got, map[string]bool{})
	if a, ok := e.prov.(webhook.Authenticator); ok {
		if err := a.Authenticate(ctx); err != nil {
			t.Errorf("Authenticate with the sandbox credentials: %v", err)
		}
	}
}

// checkSigned: the emulator's delivery for reg verifies with secret (or,
// for a provider without webhook secrets, its verification keys), and
// neither a tampered one nor one checked with another secret does.
func (e *env) checkSigned(reg webhook.Registration, secret string) {
	e.t.Helper()
	req := e.delivery(reg)
	e.verify(req, secret, true)
	tampered := *req
	tampered.Body = append(slices.Clone(req.Body), ' ')
	e.verify(&tampered, secret, false)
	if secret != "" {
		e.verify(req, alter(secret), false)
	}
}

// checkNotSigned: the emulator's delivery for reg does not verify with
// secret (one revoked).
func (e *env) checkNotSigned(reg webhook.Registration, secret string) {
	e.t.Helper()
	e.verify(e.delivery(reg), secret, false)
}

// delivery is the emulator's signed delivery of Demo.Event for reg.
func (e *env) delivery(reg webhook.Registration) *signature.Request {
	e.t.Helper()
	hr, err := e.box.Delivery(ctx, reg.ID, e.s.h.Entry.Demo.Event)
	if err != nil {
		e.t.Fatalf("emulator Delivery %s: %v", reg.ID, err)
	}
	body, err := io.ReadAll(hr.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &signature.Request{Method: hr.Method, URL: hr.URL, Header: hr.Header, Body: body}
}

// verify checks req with the spec's scheme and secret ("": the client's
// verification keys), as `hookctl verify -p` does, wanting valid or not.
func (e *env) verify(req *signature.Request, secret string, valid bool) {
	e.t.Helper()
	var keys []signature.Key
	switch vks, ok := e.prov.(webhook.VerificationKeySource); {
	case secret != "":
		keys = []signature.Key{{Name: "current", Secret: []byte(secret)}}
	case ok:
		var err error
		if keys, err = vks.VerificationKeys(ctx); err != nil || len(keys) == 0 {
			e.t.Fatalf("VerificationKeys: %d keys, %v", len(keys), err)
		}
	default:
		e.t.Fatalf("no secret, and the client is no webhook.VerificationKeySource: nothing can verify deliveries")
	}
	res := e.scheme().Verify(req, keys, signature.Options{Now: e.clock.Now()})
	switch {
	case valid && !res.Valid:
		e.t.Errorf("delivery to %s does not verify with what the client handed out: failed at %s %+v", req.URL, res.FailedStep, res.Steps)
	case !valid && res.Valid:
		e.t.Errorf("delivery to %s verifies where it must not (tampered, or another secret)", req.URL)
	}
}

func (e *env) scheme() signature.Scheme {
	e.t.Helper()
	s, err := signature.Lookup(e.s.h.Spec.Scheme)
	if err != nil {
		e.t.Fatalf("Spec.Scheme: %v", err)
	}
	return s
}

func sameSet(a, b []string) bool {
	return subset(a, b) && subset(b, a)
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func idsOf(regs []webhook.Registration) []string {
	out := make([]string, len(regs))
	for i, r := range regs {
		out[i] = r.ID
	}
	return out
}
