package solvimon

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

// The delivery log: Solvimon's webhook events. docs/providers/solvimon.md §2.4 and the
// captured guide (specs/solvimon-webhooks.yml, webhook_events_api) name the
// endpoints GET /v1/webhook-events, GET /v1/webhook-events/{id} and POST
// /v1/webhook-events/{id}/resend and the statuses PENDING, SUCCEEDED and
// FAILED; the published OpenAPI document predates them, so every shape
// below is [closest]: the Webhook schema's conventions (object_type,
// snake_case, ISO 8601 instants, the list wrapper of GET /webhooks).
//
// [closest] an event is PENDING until its first attempt, then SUCCEEDED or
// FAILED by its latest attempt; a failed delivery parks the webhook in the
// penalty box with that event's payload, as a failed send-test does. The
// sandbox delivers at once: it does not queue later events behind a parked
// one, nor retry on Solvimon's schedule.

// Event statuses [docs/providers/solvimon.md].
const (
	eventPending   = "PENDING"
	eventSucceeded = "SUCCEEDED"
	eventFailed    = "FAILED"
)

// maxEvents bounds the log the sandbox keeps [closest: Solvimon retains
// events for 7 days of retries; the sandbox keeps the newest 1000].
const maxEvents = 1000

// EventRecord is one logged delivery with its attempts; State writes it in
// this shape.
type EventRecord struct {
	ID        string          `json:"id"`
	WebhookID string          `json:"webhook_id"`
	Type      string          `json:"type"`
	Status    string          `json:"status"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	Payload   string          `json:"payload"`
	Attempts  []AttemptRecord `json:"attempts"`
}

// AttemptRecord is one try of an event.
type AttemptRecord struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	Cause      string    `json:"cause,omitempty"`
}

// eventOut is the wire WebhookEvent [closest].
type eventOut struct {
	ObjectType  string       `json:"object_type"`
	ID          string       `json:"id"`
	WebhookID   string       `json:"webhook_id"`
	Type        string       `json:"type"`
	Status      string       `json:"status"`
	CreatedAt   string       `json:"created_at"`
	UpdatedAt   string       `json:"updated_at"`
	Payload     string       `json:"payload"`
	Attempts    []attemptOut `json:"attempts"`
	AttemptedAt *string      `json:"last_attempted_at"`
}

type attemptOut struct {
	AttemptedAt        string  `json:"attempted_at"`
	ResponseStatusCode *int    `json:"response_status_code"`
	Successful         bool    `json:"successful"`
	Cause              *string `json:"cause"`
}

type eventPage struct {
	Data               []eventOut `json:"data"`
	Limit              int        `json:"limit"`
	Page               int        `json:"page"`
	TotalNumberOfPages int        `json:"total_number_of_pages"`
}

func eventWire(e *EventRecord) eventOut {
	o := eventOut{ObjectType: "WEBHOOK_EVENT", ID: e.ID, WebhookID: e.WebhookID, Type: e.Type, Status: e.Status,
		CreatedAt: instant(e.CreatedAt), UpdatedAt: instant(e.UpdatedAt), Payload: e.Payload, Attempts: []attemptOut{}}
	for _, a := range e.Attempts {
		ao := attemptOut{AttemptedAt: instant(a.At), Successful: a.Cause == "", Cause: nullable(a.Cause)}
		if a.StatusCode != 0 {
			code := a.StatusCode
			ao.ResponseStatusCode = &code
		}
		o.Attempts = append(o.Attempts, ao)
	}
	if n := len(e.Attempts); n > 0 {
		o.AttemptedAt = nullable(instant(e.Attempts[n-1].At))
	}
	return o
}

// Send implements emulator.Sender: it logs a webhook event, delivers it to
// to (the webhook's URL when empty) and records the attempt.
func (s *Emulator) Send(ctx context.Context, id, event, to string) (emulator.Sent, error) {
	snap, body, now, err := s.prepare(id, event)
	if err != nil {
		return emulator.Sent{}, err
	}
	if to != "" {
		snap.URL = to
	}
	ev := &EventRecord{ID: "whe_" + emulator.RandomHex(10), WebhookID: id, Type: event, Status: eventPending,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC(), Payload: string(body), Attempts: []AttemptRecord{}}
	s.mu.Lock()
	s.events = append(s.events, ev)
	if len(s.events) > maxEvents {
		s.events = slices.Delete(s.events, 0, len(s.events)-maxEvents)
	}
	s.mu.Unlock()
	status, cause := s.send(ctx, &snap, body, now)
	s.mu.Lock()
	s.attempted(ev, status, cause, now)
	s.mu.Unlock()
	return emulator.Sent{URL: snap.URL, Status: status, Error: cause, DeliveryID: ev.ID}, nil
}

// attempted records an attempt of ev (under s.mu): its status follows the
// attempt, a failure parks the webhook with ev's payload, and a success of
// the parked event takes the webhook out of the penalty box.
func (s *Emulator) attempted(ev *EventRecord, status int, cause string, now time.Time) {
	logAttempt(ev, status, cause, now)
	rec, ok := s.hooks[ev.WebhookID]
	switch {
	case !ok:
	case cause != "" && rec.Penalty == nil:
		rec.Penalty = &Penalty{Since: now.UTC(), RetryAt: now.Add(retryDelay(0)).UTC(), Cause: cause, Event: ev.Type, EventID: ev.ID, Payload: ev.Payload}
	case cause == "" && rec.Penalty != nil && rec.Penalty.EventID == ev.ID:
		rec.Penalty = nil
	}
}

// logAttempt appends an attempt to ev; its status follows the attempt.
func logAttempt(ev *EventRecord, status int, cause string, now time.Time) {
	ev.Attempts = append(ev.Attempts, AttemptRecord{At: now.UTC(), StatusCode: status, Cause: cause})
	ev.UpdatedAt = now.UTC()
	ev.Status = eventSucceeded
	if cause != "" {
		ev.Status = eventFailed
	}
}

func (s *Emulator) findEvent(id string) *EventRecord {
	for _, e := range s.events {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// listEvents answers GET /v1/webhook-events, newest first, filtered by
// webhook_id and status [closest: the guide names the statuses as the
// filter], in pages like GET /webhooks.
func (s *Emulator) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, ok := queryInt(q, "page", 1)
	limit, ok2 := queryInt(q, "limit", pageSize)
	if !ok || !ok2 {
		writeError(w, http.StatusBadRequest, "INVALID_FIELD", "page", "page and limit must be positive integers", "")
		return
	}
	status := strings.ToUpper(q.Get("status"))
	if status != "" && status != eventPending && status != eventSucceeded && status != eventFailed {
		writeError(w, http.StatusBadRequest, "INVALID_FIELD", "status", "status must be one of PENDING, SUCCEEDED, FAILED", "")
		return
	}
	hook := q.Get("webhook_id")
	s.mu.Lock()
	var all []eventOut
	for i := len(s.events) - 1; i >= 0; i-- {
		e := s.events[i]
		if (hook == "" || e.WebhookID == hook) && (status == "" || e.Status == status) {
			all = append(all, eventWire(e))
		}
	}
	s.mu.Unlock()
	p := eventPage{Data: []eventOut{}, Limit: limit, Page: pg, TotalNumberOfPages: max(1, int(math.Ceil(float64(len(all))/float64(limit))))}
	if start := (pg - 1) * limit; start < len(all) {
		p.Data = all[start:min(start+limit, len(all))]
	}
	emulator.WriteJSON(w, http.StatusOK, p)
}

func (s *Emulator) getEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	e := s.findEvent(id)
	var o eventOut
	if e != nil {
		o = eventWire(e)
	}
	s.mu.Unlock()
	if e == nil {
		eventNotFound(w, id)
		return
	}
	emulator.WriteJSON(w, http.StatusOK, o)
}

func eventNotFound(w http.ResponseWriter, id string) {
	e := errorOut{Type: "INVALID_REQUEST", Code: "RESOURCE_NOT_FOUND", Message: "webhook event " + id + " not found", ResourceID: id, ResourceType: "WEBHOOK_EVENT"}
	emulator.WriteJSON(w, http.StatusNotFound, e)
}

// resendEvent re-POSTs the stored payload, signed afresh with the
// webhook's current secrets, to the webhook's current URL, and answers the
// event with the new attempt [closest]. A deleted webhook: 409.
func (s *Emulator) resendEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	e := s.findEvent(id)
	if e == nil {
		s.mu.Unlock()
		eventNotFound(w, id)
		return
	}
	cur, ok := s.hooks[e.WebhookID]
	var snap Record
	if ok {
		snap = *cur
	}
	payload, now := []byte(e.Payload), s.now()
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusConflict, "INVALID_OPERATION", "", "the webhook of this event no longer exists", id)
		return
	}
	status, cause := s.send(r.Context(), &snap, payload, now)
	s.mu.Lock()
	s.attempted(e, status, cause, now)
	o := eventWire(e)
	s.mu.Unlock()
	emulator.WriteJSON(w, http.StatusOK, o)
}
