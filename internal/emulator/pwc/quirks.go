package pwc

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// QuirkGetRoute makes the read of one subscription answer only under one
// route flavour, "sync" or "async" (PwC's metadata documents it under
// /async/ only); the other answers ServiceStack's 404 for an unknown
// route.
const QuirkGetRoute = "get-route"

var quirkNames = []string{QuirkGetRoute}

// SetQuirks implements emulator.Quirker.
func (s *Emulator) SetQuirks(q map[string]string) error {
	route := ""
	for _, k := range slices.Sorted(maps.Keys(q)) {
		v := q[k]
		switch k {
		case QuirkGetRoute:
			if v != "sync" && v != "async" {
				return fmt.Errorf("pwc quirk %s: %q is not sync or async", k, v)
			}
			route = v
		default:
			return fmt.Errorf("pwc has no quirk %q (it has %v)", k, quirkNames)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.getRoute = route
	return nil
}

// routedGet is get under mode ("/sync" or "/async"), unless the quirk
// keeps the read to the other flavour.
func (s *Emulator) routedGet(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		only := s.getRoute
		s.mu.Unlock()
		if only != "" && strings.TrimPrefix(mode, "/") != only {
			writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Handler for Request not found: %s %s", r.Method, r.URL.Path), nil)
			return
		}
		s.get(w, r)
	}
}
