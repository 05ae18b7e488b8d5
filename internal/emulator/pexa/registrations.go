package pexa

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The AU v3 authentication settings [spec: authenticationMode and
// AuthConfig.clientAuthMethod enums; docs/providers/pexa.md 1.4].
const (
	authHMAC                = "HMAC"
	authHMACOAuth           = "HMAC_OAUTH"
	clientAuthPrivateKeyJWT = "private_key_jwt"
	clientAuthSecret        = "client_secret"
)

// newSecret is a shared secret shaped like PEXA's (a UUID string [spec
// examples of sharedSecret]).
func newSecret() string { return uuid.NewString() }

// isUUID: PEXA's ids are UUIDs and a malformed one is refused with
// GA.NOTIF.400000 "Invalid UUID string" [spec].
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// find looks a registration up in a region, answering 400000 or 404007 [spec].
func (e *Emulator) find(w http.ResponseWriter, region, id string) (*record, bool) {
	if !isUUID(id) {
		writeError(w, http.StatusBadRequest, "GA.NOTIF.400000", "registrationId", "Invalid UUID string: "+id)
		return nil, false
	}
	rec, ok := e.regs[id]
	if !ok || rec.Region != region {
		writeError(w, http.StatusNotFound, "GA.NOTIF.404007", "registrationId", "Registration not found for given id: "+id)
		return nil, false
	}
	return rec, true
}

// decodeJSON reads a request body; anything unreadable is 400018 [spec].
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "GA.NOTIF.400018", "", "JSON parse error")
		return false
	}
	return true
}

// apiError is one validation failure in PEXA's terms.
type apiError struct {
	code, field, msg string
}

func (ae *apiError) write(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, ae.code, ae.field, ae.msg)
}

// quoteList formats names the way PEXA's messages do: ["A", "B"].
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// checkRegistration applies PEXA's registration rules in the order of its
// documented codes [spec] and returns the URI as stored: trailing slashes
// are stripped server-side [docs/providers/pexa.md].
func checkRegistration(region string, uri *string, events []string) (string, *apiError) {
	if uri == nil {
		return "", &apiError{"GA.NOTIF.400012", "webhookURI", "Webhook URI is invalid"}
	}
	u, err := url.Parse(strings.TrimSpace(*uri))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "", &apiError{"GA.NOTIF.400012", "webhookURI", "Webhook URI is invalid"}
	}
	clean := strings.TrimSpace(*uri)
	if u.RawQuery == "" && u.Fragment == "" {
		clean = strings.TrimRight(clean, "/")
	}
	if len(events) == 0 {
		return "", &apiError{"GA.NOTIF.400013", "eventTypes", "Must not be empty"}
	}
	// [closest] PEXA whitelists domains during onboarding; the sandbox
	// treats any host containing "not-whitelisted" as not whitelisted.
	if strings.Contains(strings.ToLower(u.Hostname()), notWhitelisted) {
		return "", &apiError{"GA.NOTIF.400014", "webhookURI", "The webhook domain has not been whitelisted"}
	}
	var invalid, dups, seen []string
	for _, e := range events {
		if !accepts(region, e) && !slices.Contains(invalid, e) {
			invalid = append(invalid, e)
		}
		if slices.Contains(seen, e) && !slices.Contains(dups, e) {
			dups = append(dups, e)
		}
		seen = append(seen, e)
	}
	if len(invalid) > 0 {
		return "", &apiError{"GA.NOTIF.400015", "eventTypes", "Invalid eventTypes: " + quoteList(invalid)}
	}
	if len(dups) > 0 {
		return "", &apiError{"GA.NOTIF.400016", "eventTypes", "Duplicate eventTypes: " + quoteList(dups)}
	}
	if !slices.Contains(events, mandatoryEvent) {
		return "", &apiError{"GA.NOTIF.400020", "eventTypes", "Mandatory event types are missing"}
	}
	if len(events) < 2 {
		return "", &apiError{"GA.NOTIF.400021", "eventTypes", "There should be at least one more event present apart from mandatory event(s)"}
	}
	return clean, nil
}

// checkAuth applies the v3 authenticationMode/authConfig rules [spec
// examples 400026-400034]. Codes the documents do not give (an authUrl that
// is not a URL) use 400017 "Invalid format provided" [closest].
func checkAuth(mode *string, cfg *authConfig) *apiError {
	if mode == nil || (*mode != authHMAC && *mode != authHMACOAuth) {
		return &apiError{"GA.NOTIF.400026", "authenticationMode", "Invalid authentication mode"}
	}
	if *mode == authHMAC {
		if cfg != nil {
			return &apiError{"GA.NOTIF.400034", "authConfig", "authConfig must not be provided when authenticationMode is HMAC"}
		}
		return nil
	}
	if cfg == nil {
		return &apiError{"GA.NOTIF.400027", "authConfig", "authConfig is required when authenticationMode is HMAC_OAUTH"}
	}
	u, err := url.Parse(cfg.AuthURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return &apiError{"GA.NOTIF.400017", "authUrl", "Invalid format provided"}
	}
	if strings.Contains(strings.ToLower(u.Hostname()), notWhitelisted) {
		return &apiError{"GA.NOTIF.400029", "authUrl", "The auth URL domain has not been whitelisted"}
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return &apiError{"GA.NOTIF.400030", "clientId", "clientId is required and must not be blank"}
	}
	if cfg.ClientAuthMethod != clientAuthPrivateKeyJWT && cfg.ClientAuthMethod != clientAuthSecret {
		return &apiError{"GA.NOTIF.400031", "clientAuthMethod", "Invalid clientAuthMethod"}
	}
	if cfg.ClientAuthMethod == clientAuthSecret && cfg.ClientSecret == "" {
		return &apiError{"GA.NOTIF.400032", "clientSecret", "clientSecret is required when clientAuthMethod is client_secret"}
	}
	return nil
}

// duplicate reports another registration of the subscriber with the same
// URI and event set: GA.NOTIF.400019 "Registration already exists with this
// combination" [spec]; docs/providers/pexa.md reads it as an exact duplicate.
func (e *Emulator) duplicate(region, uri string, events []string, except string) bool {
	want := slices.Sorted(slices.Values(events))
	for _, rec := range e.regs {
		if rec.ID != except && rec.Region == region && rec.SubscriberID == SandboxSubscriberID && rec.WebhookURI == uri &&
			slices.Equal(slices.Sorted(slices.Values(rec.EventTypes)), want) {
			return true
		}
	}
	return false
}

var errDuplicate = &apiError{"GA.NOTIF.400019", "webhookURI", "Registration already exists with this combination"}

// check validates a v3 body: registration rules first, then auth.
func (b *v3In) check(region string) (string, *apiError) {
	if b.NotificationType == nil || *b.NotificationType != "WEBHOOK" {
		// [closest] v3 takes webhook registrations only; the document
		// gives no code for another type, so 400017 as for any bad format.
		return "", &apiError{"GA.NOTIF.400017", "notificationType", "Invalid format provided"}
	}
	if b.Attributes == nil {
		return "", &apiError{"GA.NOTIF.400012", "webhookURI", "Webhook URI is invalid"}
	}
	uri, bad := checkRegistration(region, b.Attributes.WebhookURI, b.EventTypes)
	if bad != nil {
		return "", bad
	}
	if bad := checkAuth(b.Attributes.AuthenticationMode, b.Attributes.AuthConfig); bad != nil {
		return "", bad
	}
	return uri, nil
}

func (e *Emulator) newRecord(region, uri string, events []string, now time.Time) *record {
	e.seq++
	return &record{Seq: e.seq, Region: region, ID: uuid.NewString(), WebhookURI: uri, EventTypes: slices.Clone(events),
		SubscriberID: SandboxSubscriberID, SharedSecret: newSecret(), SecretExpiry: now.Add(secretLifetime),
		CreatedAt: now, UpdatedAt: now}
}

// createV1 is POST /v1/notification-registrations: 200 with
// NotificationRegistrationCreateDto, secret included [spec]. AU v1
// registrations have authentication mode HMAC [AU webhooks guide].
func (e *Emulator) createV1(w http.ResponseWriter, r *http.Request, region, _ string) {
	var b v1In
	if !decodeJSON(w, r, &b) {
		return
	}
	uri, bad := checkRegistration(region, b.WebhookURI, b.EventTypes)
	if bad != nil {
		bad.write(w)
		return
	}
	e.insert(w, region, uri, b.EventTypes, viewCreate, func(rec *record) {
		if region == RegionAU {
			rec.AuthenticationMode = authHMAC
		}
	})
}

// createV3 is POST /v3/notification-registrations (AU) [spec].
func (e *Emulator) createV3(w http.ResponseWriter, r *http.Request, region, _ string) {
	var b v3In
	if !decodeJSON(w, r, &b) {
		return
	}
	uri, bad := b.check(region)
	if bad != nil {
		bad.write(w)
		return
	}
	e.insert(w, region, uri, b.EventTypes, viewCreateV3, func(rec *record) {
		rec.AuthenticationMode, rec.AuthConfig = *b.Attributes.AuthenticationMode, b.Attributes.AuthConfig
	})
}

// insert is the locked part of both creates: refuse a duplicate, store the
// new registration with what set adds, and answer it.
func (e *Emulator) insert(w http.ResponseWriter, region, uri string, events []string, kind viewKind, set func(*record)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.duplicate(region, uri, events, "") {
		errDuplicate.write(w)
		return
	}
	rec := e.newRecord(region, uri, events, e.now())
	set(rec)
	e.regs[rec.ID] = rec
	writeJSON(w, http.StatusOK, e.view(rec, kind))
}

// updateV1 is PUT /v1/notification-registrations/{id}: both fields are
// replaced. The authentication mode and config stay as they are [closest:
// v1 predates them].
func (e *Emulator) updateV1(w http.ResponseWriter, r *http.Request, region, id string) {
	if !e.exists(w, region, id) {
		return
	}
	var b v1In
	if !decodeJSON(w, r, &b) {
		return
	}
	uri, bad := checkRegistration(region, b.WebhookURI, b.EventTypes)
	if bad != nil {
		bad.write(w)
		return
	}
	e.replace(w, region, id, uri, b.EventTypes, viewUpdate, nil)
}

// updateV3 is PUT /v3/notification-registrations/{id} (AU): replaces the
// URI, events and authentication settings; the secret stays [spec].
func (e *Emulator) updateV3(w http.ResponseWriter, r *http.Request, region, id string) {
	if !e.exists(w, region, id) {
		return
	}
	var b v3In
	if !decodeJSON(w, r, &b) {
		return
	}
	uri, bad := b.check(region)
	if bad != nil {
		bad.write(w)
		return
	}
	e.replace(w, region, id, uri, b.EventTypes, viewUpdateV3, func(rec *record) {
		rec.AuthenticationMode, rec.AuthConfig = *b.Attributes.AuthenticationMode, b.Attributes.AuthConfig
	})
}

// replace is the locked part of both updates: the registration must still
// exist and not duplicate another; then its URI and events are replaced,
// and also, when set, what apply changes.
func (e *Emulator) replace(w http.ResponseWriter, region, id, uri string, events []string, kind viewKind, apply func(*record)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec, ok := e.find(w, region, id)
	if !ok {
		return
	}
	if e.duplicate(region, uri, events, id) {
		errDuplicate.write(w)
		return
	}
	rec.WebhookURI, rec.EventTypes, rec.UpdatedAt = uri, slices.Clone(events), e.now()
	if apply != nil {
		apply(rec)
	}
	writeJSON(w, http.StatusOK, e.view(rec, kind))
}

// delete is DELETE /v1/notification-registrations/{id}: 204 [spec].
func (e *Emulator) delete(w http.ResponseWriter, _ *http.Request, region, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.find(w, region, id); !ok {
		return
	}
	delete(e.regs, id)
	w.WriteHeader(http.StatusNoContent)
}

// rotate is POST .../{id}/secret-rotation: a new secret valid 30 days, the
// previous one kept for signing 24 h, answer {expiry (RFC 3339), sharedSecret}
// [spec]. Only one previous secret is kept: a second rotation within the
// overlap drops the oldest [closest: "both the new and the old signature"].
func (e *Emulator) rotate(w http.ResponseWriter, _ *http.Request, region, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec, ok := e.find(w, region, id)
	if !ok {
		return
	}
	now := e.now()
	until := now.Add(secretOverlap)
	rec.PreviousSecret, rec.PreviousValidUntil = rec.SharedSecret, &until
	rec.SharedSecret, rec.SecretExpiry, rec.UpdatedAt = newSecret(), now.Add(secretLifetime), now
	writeJSON(w, http.StatusOK, rotationOut{Expiry: rec.SecretExpiry.UTC().Format(time.RFC3339), SharedSecret: rec.SharedSecret})
}

// list is GET /v2/notification-registrations: newest update first, page
// (≥1, default 1) and limit (1..20, default 10), optional registrationId
// filter [spec]. The document gives no code for a bad page or limit, so
// 400017 "Invalid format provided" [closest]; an unknown registrationId is
// an empty page (it is a filter; the operation documents no 404) [spec].
func (e *Emulator) list(w http.ResponseWriter, r *http.Request, region, _ string) {
	q := r.URL.Query()
	page, okPage := queryInt(q, "page", 1, 1, 1<<30)
	limit, okLimit := queryInt(q, "limit", pageLimitDefault, 1, pageLimitMax)
	if !okPage {
		writeError(w, http.StatusBadRequest, "GA.NOTIF.400017", "page", "Invalid format provided")
		return
	}
	if !okLimit {
		writeError(w, http.StatusBadRequest, "GA.NOTIF.400017", "limit", "Invalid format provided")
		return
	}
	filter := q.Get("registrationId")
	if filter != "" && !isUUID(filter) {
		writeError(w, http.StatusBadRequest, "GA.NOTIF.400000", "registrationId", "Invalid UUID string")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var recs []*record
	for _, rec := range e.regs {
		if rec.Region == region && rec.SubscriberID == SandboxSubscriberID && (filter == "" || rec.ID == filter) {
			recs = append(recs, rec)
		}
	}
	slices.SortFunc(recs, func(a, b *record) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return int(b.Seq - a.Seq)
	})
	out := pageOut{Records: []registrationOut{}}
	out.Page.Page, out.Page.TotalRecords, out.Page.Limit = page, len(recs), limit
	if start := (page - 1) * limit; start < len(recs) {
		for _, rec := range recs[start:min(start+limit, len(recs))] {
			out.Records = append(out.Records, e.view(rec, viewList))
		}
	}
	out.Page.PageRecords = len(out.Records)
	writeJSON(w, http.StatusOK, out)
}

func queryInt(q url.Values, name string, def, lo, hi int) (int, bool) {
	v := q.Get(name)
	if !q.Has(name) {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// Views of a registration: which fields each answer carries [spec].
type viewKind int

const (
	viewCreate   viewKind = iota // NotificationRegistrationCreateDto
	viewCreateV3                 // WebhookNotificationRegistrationResponseV3
	viewUpdate                   // NotificationRegistrationDto
	viewUpdateV3                 // WebhookNotificationRegistrationUpdateResponseV3
	viewList                     // NotificationRegistrationResponseV2
)

// view renders a registration. The secret is in create answers and list
// records; AU update answers omit it ("The shared secret is unchanged and
// not returned") while the UK portal lists it on the update DTO
// [docs/providers/pexa.md], so UK v1 updates carry it. The auth config never echoes
// clientSecret. authenticationMode is AU-only (the UK has no v3).
func (e *Emulator) view(rec *record, kind viewKind) registrationOut {
	w := registrationOut{NotificationType: "WEBHOOK", WebhookURI: rec.WebhookURI, RegistrationID: rec.ID,
		SubscriberID: rec.SubscriberID, EventTypes: slices.Clone(rec.EventTypes)}
	secret := kind == viewCreate || kind == viewCreateV3 || kind == viewList || (kind == viewUpdate && rec.Region == RegionUK)
	if secret {
		w.SharedSecret = rec.SharedSecret
		w.SharedSecretExpiry = expiryString(rec.SecretExpiry)
	}
	if rec.Region == RegionAU && kind != viewCreate && kind != viewUpdate {
		w.AuthenticationMode = rec.AuthenticationMode
		if rec.AuthConfig != nil {
			c := *rec.AuthConfig
			c.ClientSecret = ""
			w.AuthConfig = &c
		}
	}
	return w
}

// exists reports whether id is a registration of region, answering 404
// itself when not; an update checks it before it reads the body.
func (e *Emulator) exists(w http.ResponseWriter, region, id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.find(w, region, id)
	return ok
}
