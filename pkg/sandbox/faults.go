package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// faultPlan makes the sandbox misbehave on purpose: the next Count provider
// requests (matching Provider and Method when set) get Status, with
// Retry-After when RetryAfter >= 0.
type faultPlan struct {
	Provider   string `json:"provider,omitempty"`
	Method     string `json:"method,omitempty"`
	Status     int    `json:"status"`
	RetryAfter int    `json:"retry_after"`
	Count      int    `json:"count"`
}

func (s *Server) handleFaults(w http.ResponseWriter, r *http.Request) {
	var p faultPlan
	p.RetryAfter = -1
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if p.Count > 0 {
		s.faults = &p
	} else {
		s.faults = nil
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// injectFault answers r with the planned fault; true when it did.
func (s *Server) injectFault(name string, w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	p := s.faults
	hit := p != nil && p.Count > 0 && (p.Provider == "" || p.Provider == name) && (p.Method == "" || p.Method == r.Method)
	if hit {
		p.Count--
	}
	s.mu.Unlock()
	if !hit {
		return false
	}
	if p.RetryAfter >= 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(p.Status)
	io.WriteString(w, `{"message":"injected fault"}`)
	return true
}
