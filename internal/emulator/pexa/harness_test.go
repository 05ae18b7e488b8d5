package pexa

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/internal/testkit/spectest"
)

var ctx = context.Background()

// regionEvent is a non-mandatory event each region accepts.
var regionEvent = map[string]string{RegionUK: "WORKSPACE_CLOSED", RegionAU: "CHECKLIST_CHECKED"}

// env is the emulator on a real HTTP server, mounted as internal/sandbox mounts
// it (under /pexa/, prefix stripped), on a settable clock.
type env struct {
	clock *providertest.Clock
	box   *Emulator
	base  string // .../pexa
}

// newEnv validates every API request and answer against PEXA's OpenAPI
// document (internal/testkit/spectest, UK traffic mapped onto the AU paths).
func newEnv(t *testing.T) *env { return newEnvWith(t, true) }

// newRawEnv skips spec validation: tests that send malformed requests on
// purpose use it.
func newRawEnv(t *testing.T) *env { return newEnvWith(t, false) }

func newEnvWith(t *testing.T, validate bool) *env {
	t.Helper()
	e := &env{clock: providertest.NewClock()}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.base = srv.URL + "/pexa"
	e.box = New(emulator.Options{BaseURL: e.base, Now: e.clock.Now})
	var h http.Handler = e.box
	if validate {
		h = spectest.ForProvider(t, Name, e.box)
	}
	mux.Handle("/pexa/", http.StripPrefix("/pexa", h))
	return e
}

// apiBase is a region's API root on the emulator.
func apiBase(e *env, region string) string {
	if region == RegionUK {
		return e.base + "/uk" + ukPrefix
	}
	return e.base + "/" + region
}

// register creates a registration through the v1 API and returns the answer.
func register(t *testing.T, e *env, region string, tok map[string]string, uri string, events ...string) registrationOut {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"webhookURI": uri, "eventTypes": events})
	a := call(t, http.MethodPost, apiBase(e, region)+"/v1/notification-registrations", tok, string(b))
	var reg registrationOut
	if err := json.Unmarshal(a.body, &reg); err != nil || a.status != 200 || reg.RegistrationID == "" || reg.SharedSecret == "" {
		t.Fatalf("register: %d %s", a.status, a.body)
	}
	return reg
}

// rotate rolls a registration's secret through the v1 API.
func rotate(t *testing.T, e *env, region string, tok map[string]string, id string) rotationOut {
	t.Helper()
	a := call(t, http.MethodPost, apiBase(e, region)+"/v1/notification-registrations/"+id+"/secret-rotation", tok, "")
	var rot rotationOut
	if err := json.Unmarshal(a.body, &rot); err != nil || a.status != 200 || rot.SharedSecret == "" {
		t.Fatalf("rotate: %d %s", a.status, a.body)
	}
	return rot
}
