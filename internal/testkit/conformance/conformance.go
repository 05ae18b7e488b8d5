// Package conformance is the provider conformance suite, in the manner of
// restic's backend tests: one set of checks that every provider client
// runs against its own emulator over real loopback HTTP. Register, get,
// list (with paging where the provider pages), update, rotate, delete, the
// error kinds commands map to exit codes, and one working call of each
// optional capability the client implements (pkg/webhook/capabilities.go),
// with the capabilities the registries declare held against those it has.
//
// Everything the suite needs comes from the registries: the provider's
// provider.Spec and its emulator.Entry (credentials from Demo.Env, the
// profile from the emulator's ProfileArgs, the registration from
// Demo.Register, set-up from Demo.Setup, paging from Spec.ListPageSize,
// capabilities from Spec.Capabilities), and nothing else is
// provider-specific here.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Harness is what a provider supplies: its registry lines.
type Harness struct {
	Spec  provider.Spec
	Entry emulator.Entry
}

// profileName is the profile every client of the suite uses.
const profileName = "conformance"

var ctx = context.Background()

// Run runs the suite for one provider, each check as a subtest with its
// own emulator.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Entry.Demo == nil {
		t.Fatalf("%s: the emulator entry has no Demo; the suite reads its credentials and registration there", h.Spec.Name)
	}
	s := &suite{h: h}
	for _, c := range []struct {
		name string
		run  func(*suite, *testing.T)
	}{
		{"Registry", (*suite).testRegistry},
		{"Register", (*suite).testRegister},
		{"Get", (*suite).testGet},
		{"List", (*suite).testList},
		{"Update", (*suite).testUpdate},
		{"Rotate", (*suite).testRotate},
		{"Delete", (*suite).testDelete},
		{"NotFound", (*suite).testNotFound},
		{"Usage", (*suite).testUsage},
		{"Auth", (*suite).testAuth},
		{"Declared", (*suite).testDeclared},
		{"Capabilities", (*suite).testCapabilities},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(s, t) })
	}
}

// suite is one provider's run. seeded are the generated credentials
// (client key pairs) of the first set-up, reused by later ones so a
// provider with RSA keys generates one pair per run, not per check.
type suite struct {
	h      Harness
	seedMu sync.Mutex
	seeded map[string]string
}

// env is one check's world: a fresh emulator mounted as internal/sandbox
// mounts it (under /<provider>/, prefix stripped), a receiver its
// deliveries can go to, and a set-up client with the sandbox credentials.
type env struct {
	t     *testing.T
	s     *suite
	clock *providertest.Clock
	box   emulator.Emulator
	rc    *providertest.Receiver
	// requests counts what reached the emulator.
	requests atomic.Int64
	store    *credentials.Store
	profile  config.Profile
	prov     webhook.Provider
	// warnings are what the env's clients wrote for the user, shown
	// when the check fails.
	warnings lockedBuffer
}

func (s *suite) newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, s: s, clock: providertest.NewClock(), rc: providertest.NewReceiver(t)}
	t.Cleanup(func() {
		if t.Failed() && e.warnings.String() != "" {
			t.Logf("the clients warned:\n%s", e.warnings.String())
		}
	})
	name := s.h.Entry.Name
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.box = s.h.Entry.New(emulator.Options{BaseURL: srv.URL + "/" + name, Now: e.clock.Now, HTTP: &http.Client{Timeout: 10 * time.Second}})
	mux := http.NewServeMux()
	mux.Handle("/"+name+"/", http.StripPrefix("/"+name, e.box))
	handler = mux
	e.profile = profileFromArgs(t, s.h.Spec, e.box.ProfileArgs())
	e.store = e.newStore(s.h.Entry.Demo.Env)
	e.prov = e.client(e.store)
	e.setup()
	return e
}

// newStore is an in-memory keyring with the login credentials as env
// variables (as `sandbox demo` and CI give them) and the run's generated
// keys, if any.
func (e *env) newStore(vars map[string]string) *credentials.Store {
	e.s.seedMu.Lock()
	defer e.s.seedMu.Unlock()
	mem := credentials.NewMemory()
	for name, v := range e.s.seeded {
		if err := mem.Set(credentials.Key(profileName, name), v); err != nil {
			e.t.Fatal(err)
		}
	}
	return credentials.New(mem, func(k string) string { return vars[k] })
}

// client builds the provider's client for the emulator on store.
func (e *env) client(store *credentials.Store) webhook.Provider {
	e.t.Helper()
	return e.clientFor(e.profile, store)
}

// clientFor builds a client with profile p.
func (e *env) clientFor(p config.Profile, store *credentials.Store) webhook.Provider {
	e.t.Helper()
	hc := httpclient.New(httpclient.Options{Timeout: 10 * time.Second, Sleep: func(context.Context, time.Duration) error { return nil }})
	prov, err := e.s.h.Spec.New(provider.Deps{Profile: p, HTTP: hc, Creds: store, ErrOut: &e.warnings, Now: e.clock.Now})
	if err != nil {
		e.t.Fatalf("%s: New: %v", e.s.h.Spec.Name, err)
	}
	if prov.Name() != e.s.h.Spec.Name {
		e.t.Fatalf("client Name() = %q, want the spec's %q", prov.Name(), e.s.h.Spec.Name)
	}
	return prov
}

// setup runs the Demo's set-up steps (the commands `sandbox demo` runs
// after `profile add`) through the capabilities behind them.
func (e *env) setup() {
	e.t.Helper()
	for _, step := range e.s.h.Entry.Demo.Setup {
		switch strings.Join(step, " ") {
		case "keys generate":
			km, ok := e.prov.(webhook.KeyManager)
			if !ok {
				e.t.Fatalf("Demo.Setup runs `keys generate` but the client is no webhook.KeyManager")
			}
			if e.seededKeys() {
				continue
			}
			if _, err := km.GenerateKey(ctx, false); err != nil {
				e.t.Fatalf("keys generate: %v", err)
			}
			e.seed()
		case "keys upload":
			ku, ok := e.prov.(webhook.KeyUploader)
			if !ok {
				e.t.Fatalf("Demo.Setup runs `keys upload` but the client is no webhook.KeyUploader")
			}
			if _, err := ku.UploadKey(ctx); err != nil {
				e.t.Fatalf("keys upload: %v", err)
			}
		default:
			e.t.Fatalf("Demo.Setup step %q: the suite does not know what it does; teach setup()", step)
		}
	}
}

func (e *env) seededKeys() bool {
	e.s.seedMu.Lock()
	defer e.s.seedMu.Unlock()
	return e.s.seeded != nil
}

// seed keeps the generated credentials for the run's later envs.
func (e *env) seed() {
	e.s.seedMu.Lock()
	defer e.s.seedMu.Unlock()
	e.s.seeded = map[string]string{}
	for _, c := range e.s.h.Spec.Credentials {
		if !c.Generated {
			continue
		}
		if v, err := e.store.Get(profileName, c.Name); err == nil {
			e.s.seeded[c.Name] = v
		}
	}
	if len(e.s.seeded) == 0 {
		e.t.Fatalf("keys generate stored none of the spec's Generated credentials")
	}
}

// profileFromArgs reads the emulator's ProfileArgs into a profile as
// `hookctl profile add` would: the common flags, and the spec's Fields as
// settings, validated.
func profileFromArgs(t *testing.T, spec provider.Spec, args []string) config.Profile {
	t.Helper()
	p := config.Profile{Name: profileName, Settings: map[string]string{}}
	if len(args)%2 != 0 {
		t.Fatalf("ProfileArgs %q: want flag/value pairs", args)
	}
	for i := 0; i < len(args); i += 2 {
		flag, v := strings.TrimPrefix(args[i], "--"), args[i+1]
		switch flag {
		case "provider":
			p.Provider = v
		case "region":
			p.Region = v
		case "environment":
			p.Environment = v
		case "base-url":
			p.BaseURL = v
		case "token-url":
			p.TokenURL = v
		default:
			i := slices.IndexFunc(spec.Fields, func(f provider.Field) bool { return f.Name == flag })
			if i < 0 {
				t.Fatalf("ProfileArgs: --%s is no field of %s", flag, spec.Name)
			}
			if f := spec.Fields[i]; f.Validate != nil {
				if err := f.Validate(v); err != nil {
					t.Fatalf("ProfileArgs --%s: %v", flag, err)
				}
			}
			p.Settings[flag] = v
		}
	}
	if p.Provider != spec.Name {
		t.Fatalf("ProfileArgs name provider %q, want %q", p.Provider, spec.Name)
	}
	if p.Environment == "" && len(spec.Environments) > 0 {
		p.Environment = spec.Environments[0]
	}
	for _, f := range spec.Fields {
		if f.Required && p.Settings[f.Name] == "" {
			t.Fatalf("ProfileArgs lack the required --%s", f.Name)
		}
	}
	if spec.ValidateProfile != nil {
		if err := spec.ValidateProfile(p); err != nil {
			t.Fatalf("ProfileArgs make a profile %s refuses: %v", spec.Name, err)
		}
	}
	return p
}

// createRequest reads Demo.Register (`hookctl register` arguments) into
// the request the register command would make.
func createRequest(t *testing.T, spec provider.Spec, args []string) webhook.CreateRequest {
	t.Helper()
	req := webhook.CreateRequest{Params: map[string]string{}}
	for i := 0; i < len(args); i++ {
		flag := strings.TrimPrefix(args[i], "--")
		switch flag {
		case "active", "inactive":
			on := flag == "active"
			req.Active = &on
			continue
		}
		if i+1 >= len(args) {
			t.Fatalf("Demo.Register: --%s has no value", flag)
		}
		i++
		v := args[i]
		switch flag {
		case "url":
			req.URL = v
		case "event", "e":
			req.Events = append(req.Events, v)
		case "name":
			req.Name = v
		default:
			if !slices.ContainsFunc(spec.Params, func(f provider.Field) bool { return f.Name == flag }) {
				t.Fatalf("Demo.Register: --%s is no register flag of %s", flag, spec.Name)
			}
			req.Params[flag] = v
		}
	}
	if req.URL == "" {
		t.Fatalf("Demo.Register has no --url")
	}
	return req
}

// request is the Demo's registration; n > 0 makes the n-th of several
// that can live side by side: another URL, and another value of each
// part of the provider's identity of a registration (Manifest.Identity,
// asked of the whole request and of each event, as PwC makes one
// registration per event and names it by its event).
func (e *env) request(n int) webhook.CreateRequest {
	req := createRequest(e.t, e.s.h.Spec, e.s.h.Entry.Demo.Register)
	if n == 0 {
		return req
	}
	suffix := "-" + strconv.Itoa(n)
	req.URL += "/n" + strconv.Itoa(n)
	identity := e.s.h.Spec.Manifest.Identity
	if identity == nil {
		return req
	}
	parts := map[string]bool{}
	for _, evs := range append([][]string{req.Events}, eachOf(req.Events)...) {
		for _, word := range strings.Fields(identity(req.Name, evs, req.Params)) {
			k, _, _ := strings.Cut(word, "=")
			parts[k] = true
		}
	}
	for k := range parts {
		switch {
		case k == "name":
			req.Name += suffix
		case k == "event" || k == "events":
			for i := range req.Events {
				req.Events[i] += suffix
			}
		case req.Params[k] != "":
			req.Params[k] += suffix
		default:
			e.t.Fatalf("Manifest.Identity names %q, which is neither the name, the events nor a param of Demo.Register", k)
		}
	}
	return req
}

// eachOf is each element of l as a list of one.
func eachOf(l []string) [][]string {
	out := make([][]string, len(l))
	for i, x := range l {
		out[i] = []string{x}
	}
	return out
}

// register creates the n-th registration and stores the secrets it hands
// out, as `hookctl register` does.
func (e *env) register(n int) (webhook.CreateRequest, []webhook.Registration) {
	e.t.Helper()
	req := e.request(n)
	return req, e.create(req)
}

// create registers req and stores the secrets it hands out.
func (e *env) create(req webhook.CreateRequest) []webhook.Registration {
	e.t.Helper()
	regs, err := e.prov.Register(ctx, req)
	if err != nil {
		e.t.Fatalf("Register %s: %v", req.URL, err)
	}
	if len(regs) == 0 {
		e.t.Fatalf("Register %s returned no registration", req.URL)
	}
	for _, r := range regs {
		if r.Secret != "" {
			if err := e.store.StoreCurrent(profileName, r.ID, r.Secret, 0, e.clock.Now()); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	return regs
}

// registerOne is register for the registration that receives the Demo's
// delivery event (PwC makes one registration per event).
func (e *env) registerOne() (webhook.CreateRequest, webhook.Registration) {
	e.t.Helper()
	req, regs := e.register(0)
	return req, e.deliverable(regs)
}

func (e *env) deliverable(regs []webhook.Registration) webhook.Registration {
	e.t.Helper()
	ev := e.s.h.Entry.Demo.Event
	for _, r := range regs {
		if slices.Contains(r.Events, ev) {
			return r
		}
	}
	e.t.Fatalf("no registration of %d receives Demo.Event %s", len(regs), ev)
	return webhook.Registration{}
}

// kindOf fails the test unless err is of kind want.
func kindOf(t *testing.T, what string, err error, want webhook.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, want)
		return
	}
	if got := webhook.KindOf(err); got != want {
		t.Errorf("%s: error of kind %v, want %v: %v", what, got, want, err)
	}
}

// errStop ends a listing from OnPage.
var errStop = errors.New("conformance: stop listing")

// lockedBuffer collects a client's warnings; clients may write from
// several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// alter changes a credential's or secret's last character within its
// class (digit, hex letter, letter), so it is wrong but keeps its shape:
// a client checking the shape still sends it.
func alter(s string) string {
	if s == "" {
		return "x"
	}
	b := []byte(s)
	c := &b[len(b)-1]
	for _, r := range []string{"0123456789", "abcdef", "ABCDEF", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} {
		if i := strings.IndexByte(r, *c); i >= 0 {
			*c = r[(i+1)%len(r)]
			return string(b)
		}
	}
	return s[:len(s)-1] + "x"
}

// randomSecret is a client-chosen secret as the rotation engine makes
// one: 32 bytes from crypto/rand, hex.
func randomSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
