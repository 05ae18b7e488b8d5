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

// isUUID: PEXA's ids are UUIDs and a malformed one is refused with
// GA.NOTIF.400000 "Invalid UUID string" [spec].
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// find looks a registration up in a region, answering 400000 or 404007 [spec].
func (s *Sandbox) find(w http.ResponseWriter, region, id string) (*record, bool) {
	if !isUUID(id) {
		writeErrors(w, http.StatusBadRequest, "GA.NOTIF.400000", "registrationId", "Invalid UUID string: "+id)
		return nil, false
	}
	rec, ok := s.regs[id]
	if !ok || rec.Region != region {
		writeErrors(w, http.StatusNotFound, "GA.NOTIF.404007", "registrationId", "Registration not found for given id: "+id)
		return nil, false
	}
	return rec, true
}

// decodeJSON reads a request body; anything unreadable is 400018 [spec].
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeErrors(w, http.StatusBadRequest, "GA.NOTIF.400018", "", "JSON parse error")
		return false
	}
	return true
}

// apiError is one validation failure in PEXA's terms.
type apiError struct {
	code, field, msg string
}

func (e *apiError) write(w http.ResponseWriter) {
	writeErrors(w, http.StatusBadRequest, e.code, e.field, e.msg)
}

// quoteList formats names the way PEXA's messages do: ["A", "B"].
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// specExampleEvents are event names PEXA's OpenAPI registers in its own
// request examples although the AU guide's catalogue lacks them [spec:
// WORKSPACE_PARTICIPANT_ADDED in the v3 request examples and the eventTypes
// examples of every registration schema]: the real API evidently accepts
// them, so the emulator does.
var specExampleEvents = map[string][]string{RegionAU: {"WORKSPACE_PARTICIPANT_ADDED"}}

// sandboxAccepts is what the emulator takes in eventTypes and deliveries:
// the region's catalogue and the spec's own examples.
func sandboxAccepts(region, e string) bool {
	return isAllowedEvent(region, e) || slices.Contains(specExampleEvents[region], e)
}

// checkRegistration applies PEXA's registration rules in the order of its
// documented codes [spec] and returns the URI as stored: trailing slashes
// are stripped server-side [providers.md].
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
		if !sandboxAccepts(region, e) && !slices.Contains(invalid, e) {
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
	if !slices.Contains(events, MandatoryEvent) {
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
func checkAuth(mode *string, cfg *wireAuthConfig) *apiError {
	if mode == nil || (*mode != AuthModeHMAC && *mode != AuthModeHMACOAuth) {
		return &apiError{"GA.NOTIF.400026", "authenticationMode", "Invalid authentication mode"}
	}
	if *mode == AuthModeHMAC {
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
	if cfg.ClientAuthMethod != ClientAuthPrivateKeyJWT && cfg.ClientAuthMethod != ClientAuthClientSecret {
		return &apiError{"GA.NOTIF.400031", "clientAuthMethod", "Invalid clientAuthMethod"}
	}
	if cfg.ClientAuthMethod == ClientAuthClientSecret && cfg.ClientSecret == "" {
		return &apiError{"GA.NOTIF.400032", "clientSecret", "clientSecret is required when clientAuthMethod is client_secret"}
	}
	return nil
}

// duplicate reports another registration of the subscriber with the same
// URI and event set: GA.NOTIF.400019 "Registration already exists with this
// combination" [spec]; providers.md reads it as an exact duplicate.
func (s *Sandbox) duplicate(region, uri string, events []string, except string) bool {
	want := slices.Sorted(slices.Values(events))
	for _, rec := range s.regs {
		if rec.ID != except && rec.Region == region && rec.SubscriberID == SandboxSubscriberID && rec.WebhookURI == uri &&
			slices.Equal(slices.Sorted(slices.Values(rec.EventTypes)), want) {
			return true
		}
	}
	return false
}

var errDuplicate = &apiError{"GA.NOTIF.400019", "webhookURI", "Registration already exists with this combination"}

// v1In is the v1 create/update body with presence kept.
type v1In struct {
	WebhookURI *string  `json:"webhookURI"`
	EventTypes []string `json:"eventTypes"`
}

// v3In is WebhookNotificationRegistrationRequest with presence kept.
type v3In struct {
	NotificationType *string  `json:"notificationType"`
	EventTypes       []string `json:"eventTypes"`
	Attributes       *struct {
		WebhookURI         *string         `json:"webhookURI"`
		AuthenticationMode *string         `json:"authenticationMode"`
		AuthConfig         *wireAuthConfig `json:"authConfig"`
	} `json:"attributes"`
}

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
	uri, e := checkRegistration(region, b.Attributes.WebhookURI, b.EventTypes)
	if e != nil {
		return "", e
	}
	if e := checkAuth(b.Attributes.AuthenticationMode, b.Attributes.AuthConfig); e != nil {
		return "", e
	}
	return uri, nil
}

func (s *Sandbox) newRecord(region, uri string, events []string, now time.Time) *record {
	s.seq++
	return &record{Seq: s.seq, Region: region, ID: uuid.NewString(), WebhookURI: uri, EventTypes: slices.Clone(events),
		SubscriberID: SandboxSubscriberID, SharedSecret: newSecret(), SecretExpiry: now.Add(SecretLifetime),
		CreatedAt: now, UpdatedAt: now}
}

// createV1 is POST /v1/notification-registrations: 200 with
// NotificationRegistrationCreateDto, secret included [spec]. AU v1
// registrations have authentication mode HMAC [AU webhooks guide].
func (s *Sandbox) createV1(w http.ResponseWriter, r *http.Request, region, _ string) {
	var b v1In
	if !decodeJSON(w, r, &b) {
		return
	}
	uri, e := checkRegistration(region, b.WebhookURI, b.EventTypes)
	if e != nil {
		e.write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.duplicate(region, uri, b.EventTypes, "") {
		errDuplicate.write(w)
		return
	}
	rec := s.newRecord(region, uri, b.EventTypes, s.now())
	if region == RegionAU {
		rec.AuthenticationMode = AuthModeHMAC
	}
	s.regs[rec.ID] = rec
	writeJSON(w, http.StatusOK, s.view(rec, viewCreate))
}

// createV3 is POST /v3/notification-registrations (AU) [spec].
func (s *Sandbox) createV3(w http.ResponseWriter, r *http.Request, region, _ string) {
	var b v3In
	if !decodeJSON(w, r, &b) {
		return
	}
	uri, e := b.check(region)
	if e != nil {
		e.write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.duplicate(region, uri, b.EventTypes, "") {
		errDuplicate.write(w)
		return
	}
	rec := s.newRecord(region, uri, b.EventTypes, s.now())
	rec.AuthenticationMode = *b.Attributes.AuthenticationMode
	rec.AuthConfig = b.Attributes.AuthConfig
	s.regs[rec.ID] = rec
	writeJSON(w, http.StatusOK, s.view(rec, viewCreateV3))
}

// updateV1 is PUT /v1/notification-registrations/{id}: both fields are
// replaced. The authentication mode and config stay as they are [closest:
// v1 predates them].
func (s *Sandbox) updateV1(w http.ResponseWriter, r *http.Request, region, id string) {
	s.mu.Lock()
	_, ok := s.find(w, region, id)
	s.mu.Unlock()
	if !ok {
		return
	}
	var b v1In
	if !decodeJSON(w, r, &b) {
		return
	}
	uri, e := checkRegistration(region, b.WebhookURI, b.EventTypes)
	if e != nil {
		e.write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.find(w, region, id)
	if !ok {
		return
	}
	if s.duplicate(region, uri, b.EventTypes, id) {
		errDuplicate.write(w)
		return
	}
	rec.WebhookURI, rec.EventTypes, rec.UpdatedAt = uri, slices.Clone(b.EventTypes), s.now()
	writeJSON(w, http.StatusOK, s.view(rec, viewUpdate))
}

// updateV3 is PUT /v3/notification-registrations/{id} (AU): replaces the
// URI, events and authentication settings; the secret stays [spec].
func (s *Sandbox) updateV3(w http.ResponseWriter, r *http.Request, region, id string) {
	s.mu.Lock()
	_, ok := s.find(w, region, id)
	s.mu.Unlock()
	if !ok {
		return
	}
	var b v3In
	if !decodeJSON(w, r, &b) {
		return
	}
	uri, e := b.check(region)
	if e != nil {
		e.write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.find(w, region, id)
	if !ok {
		return
	}
	if s.duplicate(region, uri, b.EventTypes, id) {
		errDuplicate.write(w)
		return
	}
	rec.WebhookURI, rec.EventTypes, rec.UpdatedAt = uri, slices.Clone(b.EventTypes), s.now()
	rec.AuthenticationMode, rec.AuthConfig = *b.Attributes.AuthenticationMode, b.Attributes.AuthConfig
	writeJSON(w, http.StatusOK, s.view(rec, viewUpdateV3))
}

// delete is DELETE /v1/notification-registrations/{id}: 204 [spec].
func (s *Sandbox) delete(w http.ResponseWriter, _ *http.Request, region, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.find(w, region, id); !ok {
		return
	}
	delete(s.regs, id)
	w.WriteHeader(http.StatusNoContent)
}

// rotate is POST .../{id}/secret-rotation: a new secret valid 30 days, the
// previous one kept for signing 24 h, answer {expiry (RFC 3339), sharedSecret}
// [spec]. Only one previous secret is kept: a second rotation within the
// overlap drops the oldest [closest: "both the new and the old signature"].
func (s *Sandbox) rotate(w http.ResponseWriter, _ *http.Request, region, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.find(w, region, id)
	if !ok {
		return
	}
	now := s.now()
	until := now.Add(SecretOverlap)
	rec.PreviousSecret, rec.PreviousValidUntil = rec.SharedSecret, &until
	rec.SharedSecret, rec.SecretExpiry, rec.UpdatedAt = newSecret(), now.Add(SecretLifetime), now
	writeJSON(w, http.StatusOK, wireRotation{Expiry: rec.SecretExpiry.UTC().Format(time.RFC3339), SharedSecret: rec.SharedSecret})
}

// list is GET /v2/notification-registrations: newest update first, page
// (≥1, default 1) and limit (1..20, default 10), optional registrationId
// filter [spec]. The document gives no code for a bad page or limit, so
// 400017 "Invalid format provided" [closest]; an unknown registrationId is
// an empty page (it is a filter; the operation documents no 404) [spec].
func (s *Sandbox) list(w http.ResponseWriter, r *http.Request, region, _ string) {
	q := r.URL.Query()
	page, okPage := queryInt(q, "page", 1, 1, 1<<30)
	limit, okLimit := queryInt(q, "limit", defaultPageSize, 1, maxPageSize)
	if !okPage {
		writeErrors(w, http.StatusBadRequest, "GA.NOTIF.400017", "page", "Invalid format provided")
		return
	}
	if !okLimit {
		writeErrors(w, http.StatusBadRequest, "GA.NOTIF.400017", "limit", "Invalid format provided")
		return
	}
	filter := q.Get("registrationId")
	if filter != "" && !isUUID(filter) {
		writeErrors(w, http.StatusBadRequest, "GA.NOTIF.400000", "registrationId", "Invalid UUID string")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []*record
	for _, rec := range s.regs {
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
	out := wirePage{Page: wirePageInfo{Page: page, TotalRecords: len(recs), Limit: limit}, Records: []wireRegistration{}}
	if start := (page - 1) * limit; start < len(recs) {
		for _, rec := range recs[start:min(start+limit, len(recs))] {
			out.Records = append(out.Records, s.view(rec, viewList))
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
// [providers.md], so UK v1 updates carry it. The auth config never echoes
// clientSecret. authenticationMode is AU-only (the UK has no v3).
func (s *Sandbox) view(rec *record, kind viewKind) wireRegistration {
	w := wireRegistration{NotificationType: "WEBHOOK", WebhookURI: rec.WebhookURI, RegistrationID: rec.ID,
		SubscriberID: rec.SubscriberID, EventTypes: slices.Clone(rec.EventTypes)}
	secret := kind == viewCreate || kind == viewCreateV3 || kind == viewList || (kind == viewUpdate && rec.Region == RegionUK)
	if secret {
		w.SharedSecret = rec.SharedSecret
		w.SharedSecretExpiry = formatPexaTime(rec.SecretExpiry)
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

// snapshot copies a registration for use outside the lock.
func (s *Sandbox) snapshot(id string) (record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.regs[id]
	if !ok {
		return record{}, false
	}
	c := *rec
	c.EventTypes = slices.Clone(rec.EventTypes)
	return c, true
}
