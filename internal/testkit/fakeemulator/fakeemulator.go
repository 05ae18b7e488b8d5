// Package fakeemulator is the emulator of the fifth provider that exists
// for tests only (internal/testkit/fakeprovider): in memory, with its own
// reading of the wire. CONFORMANCE_FAKE_BREAK breaks it the ways the
// conformance suite's own tests name.
package fakeemulator

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hookctl/hookctl/internal/emulator"
)

const (
	name = "fake"
	// APIKey is the one API key the emulator takes.
	APIKey   = "fake-key-0123456789"
	pageSize = 2
)

func broken(how string) bool { return os.Getenv("CONFORMANCE_FAKE_BREAK") == how }

// Entry is the fake's sandbox registry line.
func Entry() emulator.Entry {
	env := map[string]string{"HOOKCTL_API_KEY": APIKey}
	if broken("extra-env") {
		env["HOOKCTL_PASSWORD"] = "unused"
	}
	return emulator.Entry{
		Name: name,
		New:  func(o emulator.Options) emulator.Emulator { return newFakeEmulator(o) },
		Help: "API key " + APIKey,
		Demo: &emulator.Demo{
			Env:       env,
			Register:  []string{"--url", "https://hooks.example.com/fake", "--event", "thing.made", "--event", "thing.gone", "--name", "demo"},
			UpdateURL: "https://hooks.example.com/fake/v2",
			Event:     "thing.made",
			Rotate:    true,
		},
	}
}

type fakeEmulator struct {
	base string
	mux  *http.ServeMux
	mu   sync.Mutex
	seq  int
	// hooks by id; order keeps the listing stable.
	hooks map[string]*fakeHook
	order []string
}

type fakeHook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Name   string   `json:"name"`
	Secret string   `json:"secret"`
}

func newFakeEmulator(o emulator.Options) *fakeEmulator {
	s := &fakeEmulator{base: o.BaseURL, hooks: map[string]*fakeHook{}, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /hooks", s.list)
	s.mux.HandleFunc("POST /hooks", s.create)
	s.mux.HandleFunc("GET /hooks/{id}", s.withHook(func(w http.ResponseWriter, _ *http.Request, h *fakeHook) { emulator.WriteJSON(w, 200, h) }))
	s.mux.HandleFunc("PATCH /hooks/{id}", s.withHook(s.patch))
	s.mux.HandleFunc("DELETE /hooks/{id}", s.withHook(s.delete))
	s.mux.HandleFunc("POST /hooks/{id}/rotate", s.withHook(s.rotate))
	return s
}

func (s *fakeEmulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+APIKey {
		emulator.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "bad API key"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mux.ServeHTTP(w, r)
}

func (s *fakeEmulator) withHook(f func(http.ResponseWriter, *http.Request, *fakeHook)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h, ok := s.hooks[r.PathValue("id")]
		if !ok {
			emulator.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no such hook"})
			return
		}
		f(w, r, h)
	}
}

func (s *fakeEmulator) list(w http.ResponseWriter, r *http.Request) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	out := []*fakeHook{}
	size := pageSize
	if broken("no-paging") {
		size = len(s.order) + 1
	}
	start := (page - 1) * size
	for _, id := range s.order[min(start, len(s.order)):min(start+size, len(s.order))] {
		out = append(out, s.hooks[id])
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"hooks": out, "more": start+size < len(s.order)})
}

func (s *fakeEmulator) create(w http.ResponseWriter, r *http.Request) {
	var h fakeHook
	if err := json.NewDecoder(r.Body).Decode(&h); err != nil || !strings.HasPrefix(h.URL, "https://") || len(h.Events) == 0 {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "want an https url and events"})
		return
	}
	s.seq++
	h.ID, h.Secret = "hk_"+strconv.Itoa(s.seq), emulator.RandomHex(16)
	s.hooks[h.ID] = &h
	s.order = append(s.order, h.ID)
	emulator.WriteJSON(w, http.StatusCreated, &h)
}

func (s *fakeEmulator) patch(w http.ResponseWriter, r *http.Request, h *fakeHook) {
	var p fakeHook
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if p.URL != "" {
		h.URL = p.URL
	}
	if p.Name != "" {
		h.Name = p.Name
	}
	if p.Events != nil {
		h.Events = p.Events
	}
	emulator.WriteJSON(w, http.StatusOK, h)
}

func (s *fakeEmulator) delete(w http.ResponseWriter, _ *http.Request, h *fakeHook) {
	delete(s.hooks, h.ID)
	s.order = slices.DeleteFunc(s.order, func(id string) bool { return id == h.ID })
	w.WriteHeader(http.StatusNoContent)
}

func (s *fakeEmulator) rotate(w http.ResponseWriter, _ *http.Request, h *fakeHook) {
	next := emulator.RandomHex(16)
	if !broken("stale-secret") {
		h.Secret = next
	}
	emulator.WriteJSON(w, http.StatusOK, &fakeHook{ID: h.ID, URL: h.URL, Events: h.Events, Name: h.Name, Secret: next})
}

// Delivery signs as GitHub does: X-Hub-Signature-256, HMAC-SHA256 of the
// body, hex.
func (s *fakeEmulator) Delivery(ctx context.Context, id, event string) (*http.Request, error) {
	s.mu.Lock()
	h, ok := s.hooks[id]
	s.mu.Unlock()
	if !ok || !slices.Contains(h.Events, event) {
		return nil, fmt.Errorf("fake: no hook %s for %s", id, event)
	}
	body, _ := json.Marshal(map[string]string{"event": event, "hook": id, "delivery": rand.Text()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, []byte(h.Secret))
	m.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	return req, nil
}

func (s *fakeEmulator) State() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hooks := make([]*fakeHook, 0, len(s.order))
	for _, id := range s.order {
		hooks = append(hooks, s.hooks[id])
	}
	return json.Marshal(map[string]any{"seq": s.seq, "hooks": hooks})
}

func (s *fakeEmulator) LoadState(b json.RawMessage) error {
	var st struct {
		Seq   int         `json:"seq"`
		Hooks []*fakeHook `json:"hooks"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq, s.hooks, s.order = st.Seq, map[string]*fakeHook{}, nil
	for _, h := range st.Hooks {
		s.hooks[h.ID] = h
		s.order = append(s.order, h.ID)
	}
	return nil
}

func (s *fakeEmulator) ProfileArgs() []string {
	return []string{"--provider", name, "--base-url", s.base}
}
