package offblocks

import (
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
)

// issueToken is POST /v1/auth/token [DOC]: the fixed sandbox credentials
// get a bearer token valid for TokenLifetime; anything else is 401
// "Invalid credentials", a malformed body 400.
func (s *Sandbox) issueToken(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req tokenRequest
	if err := strictJSON(body, &req); err != nil || req.APIKey == "" || req.APISecret == "" {
		writeError(w, http.StatusBadRequest, "Invalid request: the body must be {\"apiKey\": \"<uuid>\", \"apiSecret\": \"...\"}")
		return
	}
	keyOK := subtle.ConstantTimeCompare([]byte(req.APIKey), []byte(SandboxAPIKey)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(req.APISecret), []byte(SandboxAPISecret)) == 1
	if !keyOK || !secretOK {
		writeError(w, http.StatusUnauthorized, "Invalid credentials")
		return
	}
	tok := "sbx." + emulator.RandomHex(24)
	now := s.now()
	exp := now.Add(TokenLifetime)
	s.mu.Lock()
	for t, e := range s.tokens {
		if !now.Before(e) {
			delete(s.tokens, t)
		}
	}
	s.tokens[tok] = exp
	s.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, tokenResponse{Token: tok, ExpiresAt: exp.Unix(), TokenType: "Bearer"})
}

// uploadKey is PUT /v1/auth/signing: it replaces the account's key and
// answers its new id (see keyUploaded).
func (s *Sandbox) uploadKey(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	pub, msg := s.uploadedKey(body)
	if msg != "" {
		writeError(w, http.StatusBadRequest, "Invalid request: "+msg)
		return
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Internal error")
		return
	}
	rec := &signingRecord{ID: uuid.NewString(), PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), UploadedAt: s.now().UTC(), pub: pub}
	s.mu.Lock()
	s.signing = rec
	s.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, keyUploaded{ID: rec.ID})
}

// deleteKey is DELETE /v1/auth/signing [DOC]: afterwards no request
// verifies until a key is uploaded again.
func (s *Sandbox) deleteKey(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.signing = nil
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// putWebhook is PUT /v1/webhooks [DOC]: without id it creates a webhook,
// with id it replaces that webhook's callbackUrl and types (so a client
// must send what it wants to keep). Unknown fields are refused, so the
// client cannot quietly send something the API would not understand.
func (s *Sandbox) putWebhook(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req webhookPut
	if err := strictJSON(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid request: "+err.Error())
		return
	}
	// [DOC] callbackUrl is a uri; an absolute http(s) one is what can be
	// delivered to.
	if u, err := url.Parse(req.CallbackURL); req.CallbackURL == "" || err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		writeError(w, http.StatusBadRequest, "Invalid request: callbackUrl must be an absolute http(s) URI")
		return
	}
	// [DOC] types are the guide's entity-update events; none means every type.
	var types []string
	for _, t := range req.Types {
		if !slices.Contains(eventTypes, t) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid request: unknown webhook type %q (valid: %s)", t, strings.Join(eventTypes, ", ")))
			return
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	now := s.now().UTC()
	s.mu.Lock()
	var rec *hookRecord
	if req.ID != nil {
		if _, err := uuid.Parse(*req.ID); err != nil {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "Invalid request: id must be a UUID")
			return
		}
		if rec = s.hooks[*req.ID]; rec == nil {
			s.mu.Unlock()
			writeError(w, http.StatusNotFound, "Webhook not found")
			return
		}
		rec.CallbackURL, rec.Types, rec.UpdatedAt = req.CallbackURL, types, now
	} else {
		s.seq++
		rec = &hookRecord{Seq: s.seq, ID: uuid.NewString(), CallbackURL: req.CallbackURL, Types: types, CreatedAt: now, UpdatedAt: now}
		s.hooks[rec.ID] = rec
	}
	out := rec.json()
	s.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, out)
}

// list is GET /v1/webhooks: every webhook, oldest first, as a bare JSON
// array (the wrapper is [UNKNOWN]; docs/providers/offblocks.md's "probably a JSON array").
func (s *Sandbox) list(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	recs := s.sortedHooks()
	out := make([]webhookJSON, 0, len(recs))
	for _, h := range recs {
		out = append(out, h.json())
	}
	s.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, out)
}

// pathID is the {webhookId} of a path; not a UUID is 400 [DOC: webhookId
// is a uuid].
func pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid request: webhookId must be a UUID")
		return "", false
	}
	return id, true
}

// get answers a webhook or 404 "Webhook not found" [DOC].
func (s *Sandbox) get(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	h := s.hooks[id]
	var out webhookJSON
	if h != nil {
		out = h.json()
	}
	s.mu.Unlock()
	if h == nil {
		writeError(w, http.StatusNotFound, "Webhook not found")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, out)
}

// delete answers 204 [DOC: "no content"; the status is INF].
func (s *Sandbox) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	_, existed := s.hooks[id]
	delete(s.hooks, id)
	s.mu.Unlock()
	if !existed {
		writeError(w, http.StatusNotFound, "Webhook not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verificationKey serves {id, key} [DOC], key as base64 of the PEM public
// key: the same encoding OffBlocks asks for on upload [INF].
func (s *Sandbox) verificationKey(w http.ResponseWriter, _ *http.Request) {
	id, pub := s.VerificationKey()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Internal error")
		return
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	emulator.WriteJSON(w, http.StatusOK, verificationKeyJSON{ID: id, Key: base64.StdEncoding.EncodeToString(p)})
}
