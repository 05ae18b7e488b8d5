// Package idempotency is the Idempotency-Key replay store the provider
// emulators share: a write runs once per key; the same key with the same
// request replays the stored answer; another request under the key, or one
// while the first is still running, is refused in the provider's own error
// shape. Answers of 5xx are not kept, so a retry runs again.
package idempotency

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Refusal is why a request under a known key is not run.
type Refusal int

const (
	// Mismatch: the key was used for a different request.
	Mismatch Refusal = iota
	// InFlight: the first request with the key has not finished.
	InFlight
)

// Options are a provider's idempotency rules.
type Options struct {
	Retain time.Duration
	Now    func() time.Time
	// Refuse writes the provider's error for a refused request.
	Refuse func(w http.ResponseWriter, why Refusal)
	// Prepare, if set, runs once a key is reserved, before the handler, with
	// the header the answer will carry (e.g. to copy a request id).
	Prepare func(w http.ResponseWriter, r *http.Request, answer http.Header)
	// NotReplayed are answer headers a replay does not repeat.
	NotReplayed []string
	// RetryableHeader, if set, marks 5xx answers (not kept) as retryable.
	RetryableHeader string
}

type entry struct {
	fingerprint string
	at          time.Time
	inFlight    bool
	status      int
	header      http.Header
	body        []byte
}

// Store remembers answers per scope (the key plus whatever makes it the
// caller's own). Safe for concurrent use.
type Store struct {
	o  Options
	mu sync.Mutex
	m  map[string]*entry
}

// New returns an empty store.
func New(o Options) *Store { return &Store{o: o, m: map[string]*entry{}} }

// Serve runs next at most once per scope for this request (method, URI and
// body make its fingerprint; a re-signed retry is the same request).
func (s *Store) Serve(w http.ResponseWriter, r *http.Request, scope string, body []byte, next http.Handler) {
	sum := sha256.Sum256(body)
	fp := r.Method + " " + r.URL.RequestURI() + " " + hex.EncodeToString(sum[:])
	now := s.o.Now()
	s.mu.Lock()
	for k, e := range s.m {
		if !e.inFlight && now.Sub(e.at) > s.o.Retain {
			delete(s.m, k)
		}
	}
	if e, ok := s.m[scope]; ok {
		s.mu.Unlock()
		switch {
		case e.fingerprint != fp:
			s.o.Refuse(w, Mismatch)
		case e.inFlight:
			s.o.Refuse(w, InFlight)
		default:
			for k, v := range e.header {
				if !slices.Contains(s.o.NotReplayed, k) {
					w.Header()[k] = slices.Clone(v)
				}
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(e.status)
			w.Write(e.body)
		}
		return
	}
	e := &entry{fingerprint: fp, at: now, inFlight: true}
	s.m[scope] = e
	s.mu.Unlock()

	rec := &recorder{header: http.Header{}}
	if s.o.Prepare != nil {
		s.o.Prepare(w, r, rec.header)
	}
	next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	s.mu.Lock()
	if rec.status >= 500 {
		delete(s.m, scope)
		if s.o.RetryableHeader != "" {
			rec.header.Set(s.o.RetryableHeader, "true")
		}
	} else {
		e.inFlight, e.status, e.header, e.body = false, rec.status, rec.header.Clone(), rec.body.Bytes()
	}
	s.mu.Unlock()
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

// recorder captures an answer so it can be stored for replay.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
