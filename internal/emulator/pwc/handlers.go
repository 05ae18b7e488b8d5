package pwc

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The emulator's endpoint handlers. Tags as in pwc.go.

// decode reads a JSON body; ServiceStack answers a malformed one with 400
// SerializationException [SEC].
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeStatus(w, http.StatusBadRequest, "SerializationException", "the request body is not valid JSON: "+err.Error(), nil)
		return false
	}
	return true
}

// fieldErrors collects FluentValidation-style errors; ServiceStack reports
// every failed rule at once, each with the DTO's PascalCase property name
// [SEC].
type fieldErrors []responseError

func (fe *fieldErrors) add(field string, p *problem) {
	if p != nil {
		*fe = append(*fe, responseError{ErrorCode: p.code, FieldName: field, Message: p.msg})
	}
}

// write answers 400 when there are errors and reports whether it did.
func (fe fieldErrors) write(w http.ResponseWriter) bool {
	if len(fe) == 0 {
		return false
	}
	writeStatus(w, http.StatusBadRequest, "", "", fe)
	return true
}

// wire renders a record, its secret encrypted to pubXML [DOC]. Errors are
// the emulator's own (a stored key it cannot use), so they become 500.
func wire(rec *record, pubXML string) (*webhookSubscription, error) {
	pub, err := parseKeyXML(pubXML)
	if err != nil {
		return nil, err
	}
	enc, err := sealSecret(pub, rec.Secret)
	if err != nil {
		return nil, err
	}
	return &webhookSubscription{
		ID: rec.ID, Name: rec.Name, Event: rec.Event, IsActive: rec.IsActive,
		Created: netDate{rec.CreatedAt}, CreatedBy: rec.CreatedByID, LastModified: netDate{rec.ModifiedAt},
		Config: config{URL: rec.URL, ContentType: rec.ContentType, Secret: enc},
	}, nil
}

// render is one SubscriptionResponse. A get, list or search carries no
// key, so the one stored with the subscription (the last one sent on create
// or update) encrypts its secret [INF].
func render(rec *record, withHistory bool, pubXML string) (subscriptionResponse, error) {
	if pubXML == "" {
		pubXML = rec.PublicKeyXML
	}
	ws, err := wire(rec, pubXML)
	if err != nil {
		return subscriptionResponse{}, fmt.Errorf("cannot encrypt the secret of %s: %w", rec.ID, err)
	}
	sr := subscriptionResponse{Subscription: ws}
	if withHistory {
		sr.History = wireHistoryOf(rec)
	}
	return sr, nil
}

func respond(w http.ResponseWriter, recs []*record, withHistory bool, pubXML string) {
	out := make([]subscriptionResponse, 0, len(recs))
	for _, rec := range recs {
		sr, err := render(rec, withHistory, pubXML)
		if err != nil {
			writeStatus(w, http.StatusInternalServerError, "CryptographicException", err.Error(), nil)
			return
		}
		out = append(out, sr)
	}
	writeJSON(w, http.StatusOK, out)
}

func respondOne(w http.ResponseWriter, rec *record, withHistory bool, pubXML string) {
	sr, err := render(rec, withHistory, pubXML)
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, "CryptographicException", err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, sr)
}

// wireHistoryOf is the delivery log, newest first, at most 100 [SEC].
func wireHistoryOf(rec *record) []deliveryResult {
	out := make([]deliveryResult, 0, min(len(rec.History), maxHistory))
	for i := len(rec.History) - 1; i >= 0 && len(out) < maxHistory; i-- {
		h := rec.History[i]
		out = append(out, deliveryResult{ID: h.ID, SubscriptionID: rec.ID, Attempted: netDate{h.AttemptedAt},
			StatusDescription: h.StatusDescription, StatusCode: statusName(h.StatusCode), EventID: h.EventID})
	}
	slices.SortStableFunc(out, func(a, b deliveryResult) int { return b.Attempted.Compare(a.Attempted.Time) })
	return out
}

func notFound(w http.ResponseWriter, id string) {
	writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Subscription '%s' was not found", id), nil)
}

// forbidden is the answer to a secret that is not the subscription's
// [DOC: the current secret proves ownership; INF: status 403, because the
// caller is authenticated but not entitled to this subscription].
func forbidden(w http.ResponseWriter, field string) {
	msg := "The secret does not match the subscription's current secret"
	writeStatus(w, http.StatusForbidden, "Forbidden", msg, []responseError{{ErrorCode: "Forbidden", FieldName: field, Message: msg}})
}

func secretMatches(given, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(given), []byte(stored)) == 1
}

// conflict is the library's answer to a second subscription of one user to
// one event [SEC: HttpError.Conflict in SubscriptionService]; PwC scopes
// users by tax number and account, and Find returns one subscription per
// (tax number, account, event) [DOC], so that triple is the key here.
func (s *Emulator) conflictLocked(tax, acct, event, except string) bool {
	for _, rec := range s.subs {
		if rec.ID != except && rec.AuthSteuernummer == tax && rec.AccountID == acct && rec.Event == event && rec.CreatedByID == sandboxUserID {
			return true
		}
	}
	return false
}

// mine lists the caller's records in creation order.
func (s *Emulator) mineLocked(keep func(*record) bool) []*record {
	var out []*record
	for _, rec := range s.subs {
		if rec.CreatedByID == sandboxUserID && keep(rec) {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b *record) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// create makes one subscription per event, all with the request's config
// [SEC: CreateSubscription maps Events to subscriptions], answering an
// array of SubscriptionResponse [DOC] with 200 (ServiceStack's default for
// a POST returning a DTO).
func (s *Emulator) create(w http.ResponseWriter, r *http.Request) {
	var req createBody
	if !decode(w, r, &req) {
		return
	}
	var fe fieldErrors
	fe.add("AuthSteuernummer", taxNumberRule(req.AuthSteuernummer))
	fe.add("AccountId", accountRule(req.AccountID))
	if len(req.Events) == 0 {
		fe.add("Events", &problem{"NotEmpty", "at least one event is required"})
	}
	for _, e := range req.Events {
		fe.add("Events", eventRule(e))
	}
	fe.add("Url", urlRule(req.URL))
	fe.add("ContentType", contentTypeRule(req.ContentType))
	fe.add("Secret", secretRule(req.Secret))
	fe.add("PublicKeyXml", publicKeyRule(req.PublicKeyXML))
	if req.Name != "" {
		fe.add("Name", nameRule(req.Name))
	}
	if fe.write(w) {
		return
	}
	now := s.now().UTC().Truncate(time.Second) // [SEC] ToNearestSecond
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range req.Events {
		if s.conflictLocked(req.AuthSteuernummer, req.AccountID, e, "") || slices.Contains(req.Events[:i], e) {
			writeStatus(w, http.StatusConflict, "Conflict", fmt.Sprintf("A subscription to event '%s' already exists", e), nil)
			return
		}
	}
	var made []*record
	for _, e := range req.Events {
		s.seq++
		rec := &record{Seq: s.seq, ID: uuid.NewString(), Name: req.Name, Event: e, IsActive: true,
			CreatedAt: now, ModifiedAt: now, CreatedByID: sandboxUserID, URL: req.URL, ContentType: req.ContentType,
			Secret: req.Secret, AuthSteuernummer: req.AuthSteuernummer, AccountID: req.AccountID, PublicKeyXML: req.PublicKeyXML}
		s.subs[rec.ID] = rec
		made = append(made, rec)
	}
	respond(w, made, false, req.PublicKeyXML)
}

// list answers the caller's subscriptions of one tax number and account.
func (s *Emulator) list(w http.ResponseWriter, r *http.Request) {
	tax, acct := r.URL.Query().Get("authSteuernummer"), r.URL.Query().Get("accountId")
	var fe fieldErrors
	fe.add("AuthSteuernummer", taxNumberRule(tax))
	fe.add("AccountId", accountRule(acct))
	if fe.write(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	respond(w, s.mineLocked(func(rec *record) bool { return rec.AuthSteuernummer == tax && rec.AccountID == acct }), false, "")
}

func (s *Emulator) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.subs[id]
	if !ok || rec.CreatedByID != sandboxUserID {
		notFound(w, id)
		return
	}
	respondOne(w, rec, true, "")
}

func (s *Emulator) find(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tax, acct, ev := q.Get("authSteuernummer"), q.Get("accountId"), q.Get("eventName")
	var fe fieldErrors
	fe.add("AuthSteuernummer", taxNumberRule(tax))
	fe.add("AccountId", accountRule(acct))
	fe.add("EventName", eventRule(ev))
	if fe.write(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := s.mineLocked(func(rec *record) bool { return rec.AuthSteuernummer == tax && rec.AccountID == acct && rec.Event == ev })
	if len(found) == 0 {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No subscription to event '%s' was found", ev), nil)
		return
	}
	respondOne(w, found[0], true, "")
}

// search lists the caller's subscriptions to an event across its accounts
// [INF: the library's search spans all users, for relaying; an API for
// customers scoping it to the caller is the closest safe reading].
func (s *Emulator) search(w http.ResponseWriter, r *http.Request) {
	ev := r.URL.Query().Get("eventName")
	var fe fieldErrors
	fe.add("EventName", eventRule(ev))
	if fe.write(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	respond(w, s.mineLocked(func(rec *record) bool { return rec.Event == ev }), false, "")
}

// listByIDs answers the known ones among ids; unknown ids are left out
// [INF].
func (s *Emulator) listByIDs(w http.ResponseWriter, r *http.Request) {
	var req idsBody
	if !decode(w, r, &req) {
		return
	}
	if len(req.IDs) == 0 {
		writeStatus(w, http.StatusBadRequest, "", "", []responseError{{ErrorCode: "NotEmpty", FieldName: "Ids", Message: "at least one id is required"}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []*record
	for _, id := range req.IDs {
		if rec, ok := s.subs[id]; ok && rec.CreatedByID == sandboxUserID && !slices.Contains(recs, rec) {
			recs = append(recs, rec)
		}
	}
	respond(w, recs, false, "")
}

// update changes a subscription after checking currentSecret [DOC]. Only
// the current secret is accepted: after a rotation the old one is refused
// at once (no grace period is documented [INF]), and a rerun that presents
// the already-new secret succeeds, which is what lets a client reconcile an
// interrupted rotation. The answer's secret is encrypted to the
// publicKeyXml of this request, which is also stored for later reads.
func (s *Emulator) update(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req updateBody
	if !decode(w, r, &req) {
		return
	}
	var fe fieldErrors
	if req.ID != "" && req.ID != id {
		fe.add("Id", &problem{"Predicate", "the id in the body differs from the one in the path"})
	}
	fe.add("CurrentSecret", required(req.CurrentSecret, "currentSecret is required"))
	fe.add("PublicKeyXml", publicKeyRule(req.PublicKeyXML))
	if req.NewSecret != "" {
		fe.add("NewSecret", secretRule(req.NewSecret))
	}
	if req.Event != nil {
		fe.add("Event", eventRule(*req.Event))
	}
	if req.URL != nil {
		fe.add("Url", urlRule(*req.URL))
	}
	if req.ContentType != nil {
		fe.add("ContentType", contentTypeRule(*req.ContentType))
	}
	if req.Name != nil && *req.Name != "" {
		fe.add("Name", nameRule(*req.Name))
	}
	if fe.write(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.provenLocked(w, id, req.CurrentSecret, "CurrentSecret")
	if rec == nil {
		return
	}
	if req.Event != nil && *req.Event != rec.Event && s.conflictLocked(rec.AuthSteuernummer, rec.AccountID, *req.Event, rec.ID) {
		writeStatus(w, http.StatusConflict, "Conflict", fmt.Sprintf("A subscription to event '%s' already exists", *req.Event), nil)
		return
	}
	if req.Name != nil {
		rec.Name = *req.Name
	}
	if req.Event != nil {
		rec.Event = *req.Event
	}
	if req.URL != nil {
		rec.URL = *req.URL
	}
	if req.ContentType != nil {
		rec.ContentType = *req.ContentType
	}
	if req.IsActive != nil {
		rec.IsActive = *req.IsActive
	}
	if req.NewSecret != "" {
		rec.Secret = req.NewSecret
	}
	rec.PublicKeyXML = req.PublicKeyXML
	rec.ModifiedAt = s.now().UTC().Truncate(time.Second)
	respondOne(w, rec, false, req.PublicKeyXML)
}

// deleteOne deletes after checking the secret [DOC] and answers the
// deleted subscription.
func (s *Emulator) deleteOne(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req deleteBody
	if !decode(w, r, &req) {
		return
	}
	var fe fieldErrors
	if req.ID != "" && req.ID != id {
		fe.add("Id", &problem{"Predicate", "the id in the body differs from the one in the path"})
	}
	fe.add("Secret", required(req.Secret, "secret is required"))
	if fe.write(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.provenLocked(w, id, req.Secret, "Secret")
	if rec == nil {
		return
	}
	delete(s.subs, id)
	respondOne(w, rec, false, "")
}

// batchDelete deletes each listed subscription whose config.secret proves
// ownership, and answers one SubscriptionResponse per item, in order, with
// a responseStatus on the ones that failed [INF: the docs give the request
// and "array" only; per-item outcomes keep one bad id from blocking the
// rest, like the library's batch endpoints].
func (s *Emulator) batchDelete(w http.ResponseWriter, r *http.Request) {
	var req batchDeleteBody
	if !decode(w, r, &req) {
		return
	}
	if len(req.Subscriptions) == 0 {
		writeStatus(w, http.StatusBadRequest, "", "", []responseError{{ErrorCode: "NotEmpty", FieldName: "Subscriptions", Message: "at least one subscription is required"}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]subscriptionResponse, 0, len(req.Subscriptions))
	for _, item := range req.Subscriptions {
		res := subscriptionResponse{Subscription: &webhookSubscription{ID: item.ID}}
		rec, ok := s.subs[item.ID]
		switch {
		case item.ID == "":
			res.ResponseStatus = &responseStatus{ErrorCode: "NotEmpty", Message: "id is required"}
		case !ok || rec.CreatedByID != sandboxUserID:
			res.ResponseStatus = &responseStatus{ErrorCode: "NotFound", Message: fmt.Sprintf("Subscription '%s' was not found", item.ID)}
		case !secretMatches(item.Config.Secret, rec.Secret):
			res.ResponseStatus = &responseStatus{ErrorCode: "Forbidden", Message: "The secret does not match the subscription's current secret"}
		default:
			ws, err := wire(rec, rec.PublicKeyXML)
			if err != nil {
				res.ResponseStatus = &responseStatus{ErrorCode: "CryptographicException", Message: err.Error()}
				break
			}
			delete(s.subs, item.ID)
			res.Subscription = ws
		}
		out = append(out, res)
	}
	writeJSON(w, http.StatusOK, out)
}

// recordDelivery appends a delivery outcome to the history. A 4xx answer
// deactivates the subscription [SEC: UpdateDeliveryHistory]. It returns
// the entry's id ("" when the subscription is gone).
func (s *Emulator) recordDelivery(id, eventID string, status int, desc string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.subs[id]
	if !ok {
		return ""
	}
	e := historyEntry{ID: uuid.NewString(), AttemptedAt: s.now().UTC(), StatusCode: status, StatusDescription: strings.TrimSpace(desc), EventID: eventID}
	rec.History = append(rec.History, e)
	if status >= 400 && status < 500 {
		rec.IsActive = false
	}
	return e.ID
}

// provenLocked finds the caller's subscription id for a change that must
// prove the current secret (given, in field) [DOC]; it answers 404 or 403
// itself and returns nil then. s.mu is held.
func (s *Emulator) provenLocked(w http.ResponseWriter, id, given, field string) *record {
	rec, ok := s.subs[id]
	if !ok || rec.CreatedByID != sandboxUserID {
		notFound(w, id)
		return nil
	}
	if !secretMatches(given, rec.Secret) {
		forbidden(w, field)
		return nil
	}
	return rec
}
