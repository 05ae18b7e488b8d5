package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

// backdateRequest is the body of PUT /_sandbox/backdate: make one
// registration as old as if it had been created (and its secret last
// rotated) Days earlier, e.g. {"provider":"pexa","id":"...","days":25}.
// Tests of `rotate-secret --older-than` use it instead of waiting: the
// sandbox's clock stays the caller's.
type backdateRequest struct {
	Provider string `json:"provider"`
	ID       string `json:"id"`
	Days     int    `json:"days"`
}

func (s *Server) handleBackdate(w http.ResponseWriter, r *http.Request) {
	var q backdateRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&q); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if q.Days <= 0 {
		http.Error(w, "days must be a positive number of days", http.StatusBadRequest)
		return
	}
	box, ok := s.boxes[q.Provider]
	if !ok {
		http.Error(w, fmt.Sprintf("unknown provider %q (one of %v)", q.Provider, s.names), http.StatusBadRequest)
		return
	}
	bd, ok := box.(emulator.Backdater)
	if !ok {
		http.Error(w, fmt.Sprintf("the %s emulator cannot backdate registrations", q.Provider), http.StatusBadRequest)
		return
	}
	if err := bd.Backdate(q.ID, time.Duration(q.Days)*24*time.Hour); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err := s.saveState(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
