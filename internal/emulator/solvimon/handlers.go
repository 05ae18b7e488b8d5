package solvimon

import (
	"cmp"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

// The emulator's endpoint handlers. Tags as in solvimon.go: [spec],
// [docs/providers/solvimon.md], [closest].

// out renders a record as the API's Webhook [spec]. previous_secret_key
// appears only while it still signs, i.e. for 24 h after a roll
// [docs/providers/solvimon.md §2.5].
func out(rec *Record, now time.Time) hookOut {
	secret := rec.SecretKey // a copy: the answer is encoded after the lock is released
	w := hookOut{
		ObjectType:          "WEBHOOK",
		ID:                  rec.ID,
		Name:                rec.Name,
		Reference:           rec.Reference,
		URL:                 rec.URL,
		Active:              rec.Active,
		IncludedActions:     append([]string{}, rec.IncludedActions...),
		ExcludedActions:     append([]string{}, rec.ExcludedActions...),
		IncludePreviousData: rec.IncludePreviousData,
		AuthenticationType:  rec.AuthenticationType,
		SecretKey:           &secret,
		SigningProtocol:     nullable(signingProtocolOf(rec)),
		// [closest] the Webhook schema lists the endpoint credentials among
		// its fields and the docs do not say they are masked, so they are
		// returned.
		Username:       nullable(rec.Username),
		Password:       nullable(rec.Password),
		APIHeaderField: nullable(rec.APIHeaderField),
		APIKey:         nullable(rec.APIKey),
	}
	if rec.SecretRolledAt != nil {
		w.SecretRolledAt = nullable(instant(*rec.SecretRolledAt))
	}
	if prev := previousSecret(rec, now); prev != "" {
		w.PreviousSecretKey = &prev
		w.PreviousSigningProtocol = nullable(cmp.Or(rec.PreviousSigningProtocol, signingProtocolOf(rec)))
	}
	if p := rec.Penalty; p != nil {
		// [closest] penalty_box is an undocumented string; we put the time
		// the endpoint was parked in it.
		w.PenaltyBox = nullable(instant(p.Since))
		w.PenaltyBoxData = &penaltyData{RetryCount: p.RetryCount, RetryAt: instant(p.RetryAt), Cause: p.Cause, Payload: p.Payload}
	}
	return w
}

// signingProtocolOf is the webhook's signing protocol: [closest] the
// documented HmacSHA256 where the create left it out (the schema gives no
// default; the example sends it) or a patch cleared it.
func signingProtocolOf(rec *Record) string {
	return cmp.Or(rec.SigningProtocol, documentedSigningProtocol)
}

// previousSecret is the rolled-over secret while it is still valid.
func previousSecret(rec *Record, now time.Time) string {
	if rec.PreviousSecretKey == "" || rec.SecretRolledAt == nil || !now.Before(rec.SecretRolledAt.Add(secretOverlap)) {
		return ""
	}
	return rec.PreviousSecretKey
}

// signingSecrets are the secrets a delivery is signed with now: the
// current one first, then the previous one during the overlap.
func signingSecrets(rec *Record, now time.Time) []string {
	out := []string{rec.SecretKey}
	if prev := previousSecret(rec, now); prev != "" {
		out = append(out, prev)
	}
	return out
}

// newSecret is a 256-bit random signing secret, hex encoded [closest: the
// docs show no secret format].
func newSecret() string { return emulator.RandomHex(32) }

// withHook resolves {id} under the lock for handlers that only read or
// update a record in place.
func (s *Emulator) withHook(h func(http.ResponseWriter, *http.Request, *Record, time.Time)) http.HandlerFunc {
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
var listOrder = map[string]func(a, b *Record) int{
	"":          func(a, b *Record) int { return cmp.Compare(a.Seq, b.Seq) },
	"id":        func(a, b *Record) int { return cmp.Compare(a.ID, b.ID) },
	"name":      func(a, b *Record) int { return cmp.Compare(a.Name, b.Name) },
	"reference": func(a, b *Record) int { return cmp.Compare(a.Reference, b.Reference) },
	"url":       func(a, b *Record) int { return cmp.Compare(a.URL, b.URL) },
}

func queryInt(q url.Values, name string, def int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 1
}

// pageSize is the list's default limit [docs/providers/solvimon.md §2.6: 50].
const pageSize = 50

// list: page (default 1) and limit (default 50 [docs/providers/solvimon.md]), order_by and
// order_direction (asc|desc), links and total_number_of_pages [spec].
func (s *Emulator) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, ok := queryInt(q, "page", 1)
	if !ok {
		writeError(w, http.StatusBadRequest, "INVALID_FIELD", "page", "page must be a positive integer", "")
		return
	}
	limit, ok := queryInt(q, "limit", pageSize)
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
	all := make([]*Record, 0, len(s.hooks))
	for _, rec := range s.hooks {
		all = append(all, rec)
	}
	slices.SortFunc(all, func(a, b *Record) int {
		c := cmp.Or(less(a, b), cmp.Compare(a.Seq, b.Seq))
		if dir == "desc" {
			return -c
		}
		return c
	})
	pages := max(1, int(math.Ceil(float64(len(all))/float64(limit))))
	data := []hookOut{}
	if start := (pg - 1) * limit; start < len(all) {
		for _, rec := range all[start:min(start+limit, len(all))] {
			data = append(data, out(rec, now))
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
		return nullable(s.base + "/v1/webhooks?" + v.Encode())
	}
	res := page{Data: data, Limit: limit, Page: pg, TotalNumberOfPages: pages}
	res.Links.First, res.Links.Current = link(1), link(pg)
	if pg > 1 {
		res.Links.Previous = link(min(pg-1, pages))
	}
	if pg < pages {
		res.Links.Next = link(pg + 1)
	}
	emulator.WriteJSON(w, http.StatusOK, res)
}

// create: url, name and reference required [spec], the field rules of
// body.go; 201 with the new webhook and its secret [spec].
func (s *Emulator) create(w http.ResponseWriter, r *http.Request) {
	f, ok := readCreate(w, r)
	if !ok {
		return
	}
	rec := f.record()
	rec.SecretKey = newSecret()
	if fe := authComplete(rec); fe != nil {
		fe.write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	rec.Seq = s.seq
	rec.ID = "whk_" + emulator.RandomHex(10) // [closest] id format undocumented
	s.hooks[rec.ID] = rec
	emulator.WriteJSON(w, http.StatusCreated, out(rec, s.now()))
}

// record is a new webhook from a create or test-connection body. [closest]
// The schema gives active, include_previous_data and authentication_type
// no default; a new webhook that delivers, with no endpoint
// authentication, is what the guide's examples assume.
func (f *fields) record() *Record {
	return &Record{
		URL: f.url, Name: f.name, Reference: f.reference,
		Active:              f.active || !f.activeSet,
		IncludePreviousData: f.previousData,
		AuthenticationType:  cmp.Or(f.authType, authNone),
		IncludedActions:     f.included,
		ExcludedActions:     f.excluded,
		Username:            f.username,
		Password:            f.password,
		APIHeaderField:      f.headerField,
		APIKey:              f.key,
		SigningProtocol:     cmp.Or(f.signingProtocol, documentedSigningProtocol),
	}
}

func (s *Emulator) get(w http.ResponseWriter, _ *http.Request, rec *Record, now time.Time) {
	emulator.WriteJSON(w, http.StatusOK, out(rec, now))
}

// delete answers 200 with the deleted webhook [spec].
func (s *Emulator) delete(w http.ResponseWriter, _ *http.Request, rec *Record, now time.Time) {
	delete(s.hooks, rec.ID)
	emulator.WriteJSON(w, http.StatusOK, out(rec, now))
}

// patch changes only the fields present. [closest] Explicit null clears a
// nullable field (credentials, action lists) but is refused for url, name
// and reference (required on create) and for the non-nullable booleans and
// authentication_type; read-only fields in the body are ignored.
func (s *Emulator) patch(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, false)
	if !ok {
		return
	}
	for _, name := range []string{"url", "name", "reference", "active", "include_previous_data", "authentication_type"} {
		if b.isNull(name) {
			writeError(w, http.StatusBadRequest, "INVALID_FIELD", name, name+" must not be null", "")
			return
		}
	}
	f, fe := parse(b, false)
	if fe != nil {
		fe.write(w)
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
	for name, dst := range map[string]*string{"url": &next.URL, "name": &next.Name, "reference": &next.Reference,
		"authentication_type": &next.AuthenticationType, "username": &next.Username, "password": &next.Password,
		"api_header_field": &next.APIHeaderField, "api_key": &next.APIKey, "signing_protocol": &next.SigningProtocol} {
		if b.has(name) {
			*dst, _ = b.str(name)
		}
	}
	if f.activeSet {
		next.Active = f.active
	}
	if f.previousDataSet {
		next.IncludePreviousData = f.previousData
	}
	if b.has("included_actions") {
		next.IncludedActions = f.included
	}
	if b.has("excluded_actions") {
		next.ExcludedActions = f.excluded
	}
	if fe := authComplete(&next); fe != nil {
		fe.write(w)
		return
	}
	*cur = next
	emulator.WriteJSON(w, http.StatusOK, out(cur, s.now()))
}

// rollSecret: new secret_key, the old one becomes previous_secret_key and
// keeps signing for 24 h, secret_rolled_at is now [docs/providers/solvimon.md]. Rolling
// again inside the overlap drops the oldest secret: the Webhook has room for
// one previous secret only. The body (WebhookUpdateRequest [spec]) is
// accepted and, like the real endpoint's purpose, changes nothing else
// [closest].
func (s *Emulator) rollSecret(w http.ResponseWriter, r *http.Request) {
	b, ok := readBody(w, r, true)
	if !ok {
		return
	}
	if _, fe := read(b); fe != nil {
		fe.write(w)
		return
	}
	s.withHook(func(w http.ResponseWriter, _ *http.Request, rec *Record, now time.Time) {
		rec.PreviousSecretKey, rec.SecretKey = rec.SecretKey, newSecret()
		rec.PreviousSigningProtocol = signingProtocolOf(rec)
		t := now.UTC()
		rec.SecretRolledAt = &t
		emulator.WriteJSON(w, http.StatusOK, out(rec, now))
	})(w, r)
}

// removeSecret: "Remove the webhook secret, this will roll the existing
// one" [spec]. [closest] Read as a roll without overlap: a new secret, and
// the old one stops signing at once (what "remove" adds to "roll").
func (s *Emulator) removeSecret(w http.ResponseWriter, _ *http.Request, rec *Record, now time.Time) {
	rec.SecretKey, rec.PreviousSecretKey = newSecret(), ""
	t := now.UTC()
	rec.SecretRolledAt = &t
	emulator.WriteJSON(w, http.StatusOK, out(rec, now))
}

// actions lists the available actions per object type [spec shape]. The
// schema has no paging fields, so page/limit are accepted and the whole
// list is returned [closest].
func (s *Emulator) actions(w http.ResponseWriter, _ *http.Request) {
	emulator.WriteJSON(w, http.StatusOK, struct {
		Data []actionGroup `json:"data"`
	}{catalogue()})
}

func connection(ok bool, msg string) connectionResult {
	return connectionResult{Successful: ok, Message: msg}
}

// sendTest really POSTs a signed test delivery and reports whether the
// endpoint answered 2xx within 10 s [docs/providers/solvimon.md]. A failing endpoint is
// parked in the penalty box with the test payload, as a failed real
// delivery would be [docs/providers/solvimon.md, semantics partly inferred there]. An
// inactive webhook gets 409 [closest: the spec lists 409 Conflict for
// send-test without saying when].
func (s *Emulator) sendTest(w http.ResponseWriter, r *http.Request) {
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
	_, cause := s.send(r.Context(), &snap, body, now)

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.hooks[id]
	if cause == "" {
		emulator.WriteJSON(w, http.StatusOK, connection(true, "test delivery accepted by "+snap.URL))
		return
	}
	msg := "test delivery failed: " + cause
	if ok && rec.Penalty == nil {
		rec.Penalty = &Penalty{Since: now.UTC(), RetryAt: now.Add(retryDelay(0)).UTC(), Cause: cause, Event: testEventType, Payload: string(body)}
		msg += "; the webhook is now in the penalty box"
	}
	emulator.WriteJSON(w, http.StatusOK, connection(false, msg))
}

// resendPenaltyBox pushes the parked payload now (signed afresh). Not in the
// penalty box: 409 [spec lists 409; docs/providers/solvimon.md reads it as "not in penalty
// box"]. Success clears the box; failure counts a retry and moves retry_at
// along Solvimon's schedule.
func (s *Emulator) resendPenaltyBox(w http.ResponseWriter, r *http.Request) {
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

	status, cause := s.send(r.Context(), &snap, []byte(pen.Payload), now)

	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.findEvent(pen.EventID); pen.EventID != "" && e != nil {
		logAttempt(e, status, cause, now) // the parked payload is that event's
	}
	rec, ok := s.hooks[id]
	if !ok || rec.Penalty == nil {
		// Deleted or resent by someone else meanwhile; report what we saw.
		emulator.WriteJSON(w, http.StatusOK, connection(cause == "", "payload resent"))
		return
	}
	if cause == "" {
		rec.Penalty = nil
		emulator.WriteJSON(w, http.StatusOK, connection(true, "payload delivered; the webhook left the penalty box"))
		return
	}
	rec.Penalty.RetryCount++
	rec.Penalty.RetryAt = now.Add(retryDelay(rec.Penalty.RetryCount)).UTC()
	rec.Penalty.Cause = cause
	emulator.WriteJSON(w, http.StatusOK, connection(false, "resend failed: "+cause+"; the webhook stays in the penalty box"))
}

// testConnection tries a URL before a webhook exists: the body is a
// WebhookCreateRequest [spec], validated like create. There is no secret yet,
// so the test delivery is unsigned [closest].
func (s *Emulator) testConnection(w http.ResponseWriter, r *http.Request) {
	f, ok := readCreate(w, r)
	if !ok {
		return
	}
	// Only what the test delivery needs: the probe is not a webhook yet.
	rec := &Record{URL: f.url, Name: f.name, Reference: f.reference, Active: true, AuthenticationType: cmp.Or(f.authType, authNone),
		Username: f.username, Password: f.password, APIHeaderField: f.headerField, APIKey: f.key}
	if fe := authComplete(rec); fe != nil {
		fe.write(w)
		return
	}
	now := s.now()
	body, err := s.envelope(rec, testEventType, now, w.Header().Get("X-REQUEST-ID"))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "", err.Error(), "")
		return
	}
	if _, cause := s.send(r.Context(), rec, body, now); cause != "" {
		emulator.WriteJSON(w, http.StatusOK, connection(false, "connection test failed: "+cause))
		return
	}
	emulator.WriteJSON(w, http.StatusOK, connection(true, "connection test accepted by "+rec.URL))
}

// readCreate reads and checks a WebhookCreateRequest body (create and
// test-connection), answering the problem itself when there is one.
func readCreate(w http.ResponseWriter, r *http.Request) (*fields, bool) {
	b, ok := readBody(w, r, false)
	if !ok {
		return nil, false
	}
	f, fe := parse(b, true)
	if fe != nil {
		fe.write(w)
		return nil, false
	}
	return f, true
}
