package solvimon

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The emulator's endpoint handlers. Tags as in sandbox.go: [spec],
// [providers.md], [closest].

// wire renders a record as the API's Webhook. previous_secret_key appears
// only while it still signs, i.e. for 24 h after a roll [providers.md].
func (s *Sandbox) wire(rec *record, now time.Time) wireWebhook {
	w := wireWebhook{
		ObjectType:          ptr("WEBHOOK"),
		ID:                  rec.ID,
		Name:                ptr(rec.Name),
		Reference:           ptr(rec.Reference),
		URL:                 ptr(rec.URL),
		Active:              rec.Active,
		IncludedActions:     append([]string{}, rec.IncludedActions...),
		ExcludedActions:     append([]string{}, rec.ExcludedActions...),
		IncludePreviousData: rec.IncludePreviousData,
		AuthenticationType:  rec.AuthenticationType,
		SecretKey:           ptr(rec.SecretKey),
		SigningProtocol:     ptr(signingProtocol),
	}
	// [closest] the Webhook schema lists the endpoint credentials among its
	// fields and the docs do not say they are masked, so they are returned.
	for dst, v := range map[**string]string{&w.Username: rec.Username, &w.Password: rec.Password, &w.APIHeaderField: rec.APIHeaderField, &w.APIKey: rec.APIKey} {
		if v != "" {
			*dst = ptr(v)
		}
	}
	if rec.SecretRolledAt != nil {
		w.SecretRolledAt = ptr(formatTime(*rec.SecretRolledAt))
	}
	if prev := previousSecret(rec, now); prev != "" {
		w.PreviousSecretKey = ptr(prev)
		w.PreviousSigningProtocol = ptr(signingProtocol)
	}
	if p := rec.Penalty; p != nil {
		// [closest] penalty_box is an undocumented string; we put the time
		// the endpoint was parked in it.
		w.PenaltyBox = ptr(formatTime(p.Since))
		w.PenaltyBoxData = &wirePenaltyData{RetryCount: ptr(p.RetryCount), RetryAt: ptr(formatTime(p.RetryAt)), Cause: ptr(p.Cause), Payload: ptr(p.Payload)}
	}
	return w
}

// previousSecret is the rolled-over secret while it is still valid.
func previousSecret(rec *record, now time.Time) string {
	if rec.PreviousSecretKey == "" || rec.SecretRolledAt == nil || !now.Before(rec.SecretRolledAt.Add(SecretOverlap)) {
		return ""
	}
	return rec.PreviousSecretKey
}

// signingSecrets are the secrets a delivery is signed with now: the
// current one first, then the previous one during the overlap.
func signingSecrets(rec *record, now time.Time) []string {
	out := []string{rec.SecretKey}
	if prev := previousSecret(rec, now); prev != "" {
		out = append(out, prev)
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// newSecret is a 256-bit random signing secret, hex encoded [closest: the
// docs show no secret format].
func newSecret() string { return randomHex(32) }

// withHook resolves {id} under the lock for handlers that only read or
// update a record in place.
func (s *Sandbox) withHook(h func(http.ResponseWriter, *http.Request, *record, time.Time)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		s.mu.Lock()
		defer s.mu.Unlock()
		rec, ok := s.hooks[id]
		if !ok {
			notFound(w, id)
			return
		}
		h(w, r, rec, s.now())
	}
}

// listOrder are the order_by values we accept [closest: the docs do not
// list them; the Webhook fields that sort meaningfully].
var listOrder = map[string]func(a, b *record) int{
	"":          func(a, b *record) int { return cmp.Compare(a.Seq, b.Seq) },
	"id":        func(a, b *record) int { return cmp.Compare(a.ID, b.ID) },
	"name":      func(a, b *record) int { return cmp.Compare(a.Name, b.Name) },
	"reference": func(a, b *record) int { return cmp.Compare(a.Reference, b.Reference) },
	"url":       func(a, b *record) int { return cmp.Compare(a.URL, b.URL) },
}

func queryInt(q url.Values, name string, def int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 1
}

// list: page (default 1) and limit (default 50 [providers.md]), order_by and
// order_direction (asc|desc), links and total_number_of_pages [spec].
func (s *Sandbox) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, ok := queryInt(q, "page", 1)
	if !ok {
		writeError(w, http.StatusBadRequest, "INVALID_FIELD", "page", "page must be a positive integer", "")
		return
	}
	limit, ok := queryInt(q, "limit", defaultPageSize)
	if !ok {
		writeError(w, http.StatusBadRequest, "INVALID_FIELD", "limit", "limit must be a positive integer", "")
		return
	}
	orderBy := q.Get("order_by")
	less, ok := listOrder[orderBy]
	if !ok {
		writeError(w, http.StatusBadRequest, "INVALID_FIELD", "order_by", "order_by must be one of id, name, reference, url", "")
		return
	}
	dir := strings.ToLower(q.Get("order_direction"))
	if dir != "" && dir != "asc" && dir != "desc" {
		writeError(w, http.StatusBadRequest, "INVALID_FIELD", "order_direction", "order_direction must be asc or desc", "")
		return
	}

	s.mu.Lock()
	now := s.now()
	all := make([]*record, 0, len(s.hooks))
	for _, rec := range s.hooks {
		all = append(all, rec)
	}
	slices.SortFunc(all, func(a, b *record) int {
		c := cmp.Or(less(a, b), cmp.Compare(a.Seq, b.Seq))
		if dir == "desc" {
			return -c
		}
		return c
	})
	pages := max(1, int(math.Ceil(float64(len(all))/float64(limit))))
	data := []wireWebhook{}
	if start := (page - 1) * limit; start < len(all) {
		for _, rec := range all[start:min(start+limit, len(all))] {
			data = append(data, s.wire(rec, now))
		}
	}
	s.mu.Unlock()

	link := func(p int) *string {
		v := url.Values{"page": {strconv.Itoa(p)}, "limit": {strconv.Itoa(limit)}}
		if orderBy != "" {
			v.Set("order_by", orderBy)
		}
		if dir != "" {
			v.Set("order_direction", dir)
		}
		return ptr(s.base + "/v1/webhooks?" + v.Encode())
	}
	out := wireList{Data: data, Limit: &limit, Page: &page, TotalNumberOfPages: &pages,
		Links: wireLinks{First: link(1), Current: link(page)}}
	if page > 1 {
		out.Links.Previous = link(min(page-1, pages))
	}
	if page < pages {
		out.Links.Next = link(page + 1)
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeBody reads a JSON object body. It returns the body and which keys
// were present, so a patch can tell "absent" from "null".
func decodeBody(w http.ResponseWriter, r *http.Request, optional bool) (*webhookBody, map[string]json.RawMessage, bool) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "BAD_REQUEST", "", fmt.Sprintf("request body exceeds %d bytes", maxRequestBody), "")
		} else {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "", "cannot read the request body", "")
		}
		return nil, nil, false
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if optional {
			return &webhookBody{}, map[string]json.RawMessage{}, true
		}
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "", "a JSON request body is required", "")
		return nil, nil, false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "", "send the body as application/json", "")
		return nil, nil, false
	}
	var present map[string]json.RawMessage
	var b webhookBody
	if err := json.Unmarshal(raw, &present); err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "", "the body is not a JSON object: "+err.Error(), "")
		return nil, nil, false
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			writeError(w, http.StatusBadRequest, "INVALID_FIELD", te.Field, fmt.Sprintf("%s must be a %s", te.Field, te.Type), "")
		} else {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST", "", "malformed JSON: "+err.Error(), "")
		}
		return nil, nil, false
	}
	return &b, present, true
}

// checkKnownActions enforces that actions are ones GET /webhooks/actions
// lists [providers.md: "valid values from GET /webhooks/actions"].
func checkKnownActions(field string, actions []string) *fieldError {
	for _, a := range actions {
		if !servesAction(a) {
			return &fieldError{Field: field, Rule: fmt.Sprintf("%q is not an available action (see GET /v1/webhooks/actions)", a)}
		}
	}
	return nil
}

// create: url, name and reference required [spec]; field rules as the
// client's; 201 with the new webhook and its secret [spec].
func (s *Sandbox) create(w http.ResponseWriter, r *http.Request) {
	b, _, ok := decodeBody(w, r, false)
	if !ok {
		return
	}
	if _, fe := validateBody(b, true); fe != nil {
		writeFieldError(w, fe)
		return
	}
	rec := &record{
		URL: *b.URL, Name: *b.Name, Reference: *b.Reference,
		// [closest] the schema gives active, include_previous_data and
		// authentication_type no default; a new webhook that delivers, with
		// no endpoint authentication, is what the guide's examples assume.
		Active:              deref(cmp.Or(b.Active, ptr(true))),
		IncludePreviousData: deref(b.IncludePreviousData),
		AuthenticationType:  cmp.Or(deref(b.AuthenticationType), AuthNone),
		IncludedActions:     deref(b.IncludedActions),
		ExcludedActions:     deref(b.ExcludedActions),
		Username:            deref(b.Username),
		Password:            deref(b.Password),
		APIHeaderField:      deref(b.APIHeaderField),
		APIKey:              deref(b.APIKey),
		SecretKey:           newSecret(),
	}
	if fe := cmp.Or(checkKnownActions("included_actions", rec.IncludedActions), checkKnownActions("excluded_actions", rec.ExcludedActions),
		checkAuthComplete(rec.AuthenticationType, rec.Username, rec.Password, rec.APIHeaderField, rec.APIKey)); fe != nil {
		writeFieldError(w, fe)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	rec.Seq = s.seq
	rec.ID = "whk_" + randomHex(10) // [closest] id format undocumented
	s.hooks[rec.ID] = rec
	writeJSON(w, http.StatusCreated, s.wire(rec, s.now()))
}

func (s *Sandbox) get(w http.ResponseWriter, _ *http.Request, rec *record, now time.Time) {
	writeJSON(w, http.StatusOK, s.wire(rec, now))
}

// delete answers 200 with the deleted webhook [spec].
func (s *Sandbox) delete(w http.ResponseWriter, _ *http.Request, rec *record, now time.Time) {
	delete(s.hooks, rec.ID)
	writeJSON(w, http.StatusOK, s.wire(rec, now))
}

// patch changes only the fields present. [closest] Explicit null clears a
// nullable field (credentials, action lists) but is refused for url, name
// and reference (required on create) and for the non-nullable booleans and
// authentication_type; read-only fields in the body are ignored.
func (s *Sandbox) patch(w http.ResponseWriter, r *http.Request) {
	b, present, ok := decodeBody(w, r, false)
	if !ok {
		return
	}
	for _, f := range []string{"url", "name", "reference", "active", "include_previous_data", "authentication_type"} {
		if v, ok := present[f]; ok && string(bytes.TrimSpace(v)) == "null" {
			writeError(w, http.StatusBadRequest, "INVALID_FIELD", f, f+" must not be null", "")
			return
		}
	}
	if _, fe := validateBody(b, false); fe != nil {
		writeFieldError(w, fe)
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.hooks[id]
	if !ok {
		notFound(w, id)
		return
	}
	next := *cur
	setIf := func(dst *string, key string, v *string) {
		if _, ok := present[key]; ok {
			*dst = deref(v)
		}
	}
	setIf(&next.URL, "url", b.URL)
	setIf(&next.Name, "name", b.Name)
	setIf(&next.Reference, "reference", b.Reference)
	setIf(&next.AuthenticationType, "authentication_type", b.AuthenticationType)
	setIf(&next.Username, "username", b.Username)
	setIf(&next.Password, "password", b.Password)
	setIf(&next.APIHeaderField, "api_header_field", b.APIHeaderField)
	setIf(&next.APIKey, "api_key", b.APIKey)
	if b.Active != nil {
		next.Active = *b.Active
	}
	if b.IncludePreviousData != nil {
		next.IncludePreviousData = *b.IncludePreviousData
	}
	if _, ok := present["included_actions"]; ok {
		next.IncludedActions = deref(b.IncludedActions)
	}
	if _, ok := present["excluded_actions"]; ok {
		next.ExcludedActions = deref(b.ExcludedActions)
	}
	if fe := cmp.Or(checkKnownActions("included_actions", next.IncludedActions), checkKnownActions("excluded_actions", next.ExcludedActions),
		checkAuthComplete(next.AuthenticationType, next.Username, next.Password, next.APIHeaderField, next.APIKey)); fe != nil {
		writeFieldError(w, fe)
		return
	}
	*cur = next
	writeJSON(w, http.StatusOK, s.wire(cur, s.now()))
}

// rollSecret: new secret_key, the old one becomes previous_secret_key and
// keeps signing for 24 h, secret_rolled_at is now [providers.md]. Rolling
// again inside the overlap drops the oldest secret: the Webhook has room for
// one previous secret only. The body (WebhookUpdateRequest [spec]) is
// accepted and, like the real endpoint's purpose, changes nothing else
// [closest].
func (s *Sandbox) rollSecret(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := decodeBody(w, r, true); !ok {
		return
	}
	s.withHook(func(w http.ResponseWriter, _ *http.Request, rec *record, now time.Time) {
		rec.PreviousSecretKey, rec.SecretKey = rec.SecretKey, newSecret()
		t := now.UTC()
		rec.SecretRolledAt = &t
		writeJSON(w, http.StatusOK, s.wire(rec, now))
	})(w, r)
}

// removeSecret: "Remove the webhook secret, this will roll the existing
// one" [spec]. [closest] Read as a roll without overlap: a new secret, and
// the old one stops signing at once (what "remove" adds to "roll").
func (s *Sandbox) removeSecret(w http.ResponseWriter, _ *http.Request, rec *record, now time.Time) {
	rec.SecretKey, rec.PreviousSecretKey = newSecret(), ""
	t := now.UTC()
	rec.SecretRolledAt = &t
	writeJSON(w, http.StatusOK, s.wire(rec, now))
}

// actions lists the available actions per object type [spec shape]. The
// schema has no paging fields, so page/limit are accepted and the whole
// list is returned [closest].
func (s *Sandbox) actions(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, wireActions{Data: sandboxActions})
}

func connection(ok bool, msg string) wireConnection {
	return wireConnection{Successful: &ok, Message: &msg}
}

// sendTest really POSTs a signed test delivery and reports whether the
// endpoint answered 2xx within 10 s [providers.md]. A failing endpoint is
// parked in the penalty box with the test payload, as a failed real
// delivery would be [providers.md, semantics partly inferred there]. An
// inactive webhook gets 409 [closest: the spec lists 409 Conflict for
// send-test without saying when].
func (s *Sandbox) sendTest(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	cur, ok := s.hooks[id]
	if !ok {
		s.mu.Unlock()
		notFound(w, id)
		return
	}
	if !cur.Active {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "INVALID_OPERATION", "", "the webhook is not active", id)
		return
	}
	snap := *cur
	now := s.now()
	s.mu.Unlock()

	body, err := s.envelope(&snap, testEventType, now, w.Header().Get("X-REQUEST-ID"))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "", err.Error(), "")
		return
	}
	cause := s.send(r.Context(), &snap, body, now)

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.hooks[id]
	if cause == "" {
		writeJSON(w, http.StatusOK, connection(true, "test delivery accepted by "+snap.URL))
		return
	}
	msg := "test delivery failed: " + cause
	if ok && rec.Penalty == nil {
		rec.Penalty = &penalty{Since: now.UTC(), RetryAt: now.Add(retryDelay(0)).UTC(), Cause: cause, Event: testEventType, Payload: string(body)}
		msg += "; the webhook is now in the penalty box"
	}
	writeJSON(w, http.StatusOK, connection(false, msg))
}

// resendPenaltyBox pushes the parked payload now (signed afresh). Not in the
// penalty box: 409 [spec lists 409; providers.md reads it as "not in penalty
// box"]. Success clears the box; failure counts a retry and moves retry_at
// along Solvimon's schedule.
func (s *Sandbox) resendPenaltyBox(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	cur, ok := s.hooks[id]
	if !ok {
		s.mu.Unlock()
		notFound(w, id)
		return
	}
	if cur.Penalty == nil {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "INVALID_OPERATION", "", "the webhook is not in the penalty box", id)
		return
	}
	snap := *cur
	pen := *cur.Penalty
	now := s.now()
	s.mu.Unlock()

	cause := s.send(r.Context(), &snap, []byte(pen.Payload), now)

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.hooks[id]
	if !ok || rec.Penalty == nil {
		// Deleted or resent by someone else meanwhile; report what we saw.
		writeJSON(w, http.StatusOK, connection(cause == "", "payload resent"))
		return
	}
	if cause == "" {
		rec.Penalty = nil
		writeJSON(w, http.StatusOK, connection(true, "payload delivered; the webhook left the penalty box"))
		return
	}
	rec.Penalty.RetryCount++
	rec.Penalty.RetryAt = now.Add(retryDelay(rec.Penalty.RetryCount)).UTC()
	rec.Penalty.Cause = cause
	writeJSON(w, http.StatusOK, connection(false, "resend failed: "+cause+"; the webhook stays in the penalty box"))
}

// testConnection tries a URL before a webhook exists: the body is a
// WebhookCreateRequest [spec], validated like create. There is no secret yet,
// so the test delivery is unsigned [closest].
func (s *Sandbox) testConnection(w http.ResponseWriter, r *http.Request) {
	b, _, ok := decodeBody(w, r, false)
	if !ok {
		return
	}
	if _, fe := validateBody(b, true); fe != nil {
		writeFieldError(w, fe)
		return
	}
	rec := &record{URL: *b.URL, Name: *b.Name, Reference: *b.Reference, Active: true,
		AuthenticationType: cmp.Or(deref(b.AuthenticationType), AuthNone),
		Username:           deref(b.Username), Password: deref(b.Password), APIHeaderField: deref(b.APIHeaderField), APIKey: deref(b.APIKey)}
	if fe := checkAuthComplete(rec.AuthenticationType, rec.Username, rec.Password, rec.APIHeaderField, rec.APIKey); fe != nil {
		writeFieldError(w, fe)
		return
	}
	now := s.now()
	body, err := s.envelope(rec, testEventType, now, w.Header().Get("X-REQUEST-ID"))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "", err.Error(), "")
		return
	}
	if cause := s.send(r.Context(), rec, body, now); cause != "" {
		writeJSON(w, http.StatusOK, connection(false, "connection test failed: "+cause))
		return
	}
	writeJSON(w, http.StatusOK, connection(true, "connection test accepted by "+rec.URL))
}
