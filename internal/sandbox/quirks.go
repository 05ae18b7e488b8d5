package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/hookctl/hookctl/internal/emulator"
)

// quirksRequest is the body of PUT /_sandbox/quirks: make one emulator
// behave as an account whose undocumented wire details differ from what
// hookctl infers (e.g. {"provider":"offblocks","quirks":
// {"verification-key-path":"/v1/verification-key"}}). An empty quirks
// object restores the emulator's defaults. The names each emulator takes
// are listed by its SetQuirks; `hookctl doctor`'s probes are tested
// against them.
type quirksRequest struct {
	Provider string            `json:"provider"`
	Quirks   map[string]string `json:"quirks"`
}

func (s *Server) handleQuirks(w http.ResponseWriter, r *http.Request) {
	var q quirksRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&q); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	box, ok := s.boxes[q.Provider]
	if !ok {
		http.Error(w, fmt.Sprintf("unknown provider %q (one of %v)", q.Provider, s.names), http.StatusBadRequest)
		return
	}
	qk, ok := box.(emulator.Quirker)
	if !ok {
		http.Error(w, fmt.Sprintf("the %s emulator has no quirks (those that do: %v)", q.Provider, s.quirkers()), http.StatusBadRequest)
		return
	}
	if err := qk.SetQuirks(q.Quirks); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.quirky[q.Provider] = len(q.Quirks) > 0
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) quirkers() []string {
	var out []string
	for _, n := range s.names {
		if _, ok := s.boxes[n].(emulator.Quirker); ok {
			out = append(out, n)
		}
	}
	return out
}

func (s *Server) hasQuirks(provider string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quirky[provider]
}
