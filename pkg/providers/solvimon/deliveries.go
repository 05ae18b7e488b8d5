package solvimon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// The delivery log: Solvimon's webhook events (GET /v1/webhook-events,
// POST /v1/webhook-events/{id}/resend, statuses PENDING/SUCCEEDED/FAILED;
// docs/providers/solvimon.md 2.4 [SEC]). Solvimon's published OpenAPI document predates
// them, so the shapes read here are inferred (Assumptions).

var (
	_ webhook.DeliveryLog      = (*Client)(nil)
	_ webhook.DeliveryResender = (*Client)(nil)
)

// wireEvent is a webhook event as hookctl reads it [INF].
type wireEvent struct {
	ID              string        `json:"id"`
	WebhookID       string        `json:"webhook_id"`
	Type            string        `json:"type"`
	Status          string        `json:"status"`
	CreatedAt       *string       `json:"created_at"`
	LastAttemptedAt *string       `json:"last_attempted_at"`
	Attempts        []wireAttempt `json:"attempts"`
}

type wireAttempt struct {
	AttemptedAt        *string `json:"attempted_at"`
	ResponseStatusCode *int    `json:"response_status_code"`
	Cause              *string `json:"cause"`
}

type wireEventList struct {
	Data               []wireEvent `json:"data"`
	TotalNumberOfPages *int        `json:"total_number_of_pages"`
}

// Deliveries reads the webhook events of webhook id (every webhook's for
// ""), newest first, filtered by status on the server.
func (c *Client) Deliveries(ctx context.Context, id string, q webhook.DeliveryQuery) ([]webhook.Delivery, error) {
	query := url.Values{"limit": {strconv.Itoa(defaultPageSize)}}
	if id != "" {
		if err := checkID(id); err != nil {
			return nil, err
		}
		query.Set("webhook_id", id)
	}
	if q.Status != "" {
		query.Set("status", strings.ToUpper(q.Status))
	}
	out := []webhook.Delivery{}
	for page := 1; page <= maxPages; page++ {
		query.Set("page", strconv.Itoa(page))
		var l wireEventList
		if err := c.do(ctx, http.MethodGet, "/webhook-events", query, nil, &l); err != nil {
			return nil, fmt.Errorf("webhook events page %d: %w", page, err)
		}
		for _, e := range l.Data {
			if d := delivery(&e); q.Match(d) {
				out = append(out, d)
			}
		}
		if len(l.Data) < defaultPageSize || (l.TotalNumberOfPages != nil && page >= *l.TotalNumberOfPages) {
			return out, nil
		}
	}
	return out, fmt.Errorf("solvimon: webhook events stopped after %d pages", maxPages)
}

// ResendDelivery sends webhook event id again (POST
// /v1/webhook-events/{id}/resend): Solvimon re-POSTs its payload to the
// webhook's URL and answers the event with the new attempt [INF].
func (c *Client) ResendDelivery(ctx context.Context, id string) (*webhook.Delivery, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var e wireEvent
	if err := c.do(ctx, http.MethodPost, "/webhook-events/"+url.PathEscape(id)+"/resend", nil, nil, &e); err != nil {
		return nil, err
	}
	if e.ID == "" {
		e.ID = id
	}
	d := delivery(&e)
	return &d, nil
}

// delivery maps a webhook event and its latest attempt.
func delivery(e *wireEvent) webhook.Delivery {
	d := webhook.Delivery{ID: text.Printable(e.ID), RegistrationID: text.Printable(e.WebhookID), Event: text.Printable(e.Type),
		Status: strings.ToLower(text.Printable(e.Status)), Attempts: len(e.Attempts)}
	at := e.LastAttemptedAt
	if n := len(e.Attempts); n > 0 {
		last := e.Attempts[n-1]
		if last.ResponseStatusCode != nil {
			d.HTTPStatus = *last.ResponseStatusCode
		}
		d.Description = text.Printable(deref(last.Cause))
		if last.AttemptedAt != nil {
			at = last.AttemptedAt
		}
	}
	if at == nil {
		at = e.CreatedAt
	}
	if at != nil {
		if t, err := parseTime(*at); err == nil {
			t = t.UTC()
			d.AttemptedAt = &t
		}
	}
	if d.Description == "" && d.HTTPStatus != 0 {
		d.Description = http.StatusText(d.HTTPStatus)
	}
	return d
}
