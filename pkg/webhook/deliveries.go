package webhook

import (
	"strings"
	"time"
)

// Delivery statuses, normalised across providers.
const (
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
	DeliveryPending   = "pending"
)

// DeliveryStatuses are the values --status accepts.
var DeliveryStatuses = []string{DeliverySucceeded, DeliveryFailed, DeliveryPending}

// Delivery is one delivery attempt as the provider logs it (PwC: one
// history entry; Solvimon: one webhook event with its latest attempt).
type Delivery struct {
	// ID is what `deliveries resend` takes: the attempt id (PwC) or the
	// webhook event id (Solvimon).
	ID             string `json:"id" yaml:"id"`
	RegistrationID string `json:"registration_id" yaml:"registration_id"`
	// EventID is the event the delivery carried, where the provider says.
	EventID string `json:"event_id,omitempty" yaml:"event_id,omitempty"`
	// Event is the event type, where the provider says.
	Event  string `json:"event,omitempty" yaml:"event,omitempty"`
	Status string `json:"status" yaml:"status"`
	// HTTPStatus is the receiver's answer, 0 when it never answered.
	HTTPStatus  int        `json:"http_status" yaml:"http_status"`
	Description string     `json:"description,omitempty" yaml:"description,omitempty"`
	AttemptedAt *time.Time `json:"attempted_at" yaml:"attempted_at"`
	// Attempts counts the tries the provider made, where it says.
	Attempts int `json:"attempts,omitempty" yaml:"attempts,omitempty"`
}

// DeliveryQuery narrows a delivery log. Providers apply what their API
// filters on and may return more; Match is the final word.
type DeliveryQuery struct {
	Status string    // one of DeliveryStatuses, "" for any
	Since  time.Time // zero for no bound
}

// Match reports whether d passes q.
func (q DeliveryQuery) Match(d Delivery) bool {
	if q.Status != "" && !strings.EqualFold(d.Status, q.Status) {
		return false
	}
	if !q.Since.IsZero() && (d.AttemptedAt == nil || d.AttemptedAt.Before(q.Since)) {
		return false
	}
	return true
}
