package pwc

import (
	"context"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// The delivery log: each subscription's history[] of
// SubscriptionDeliveryResult, newest first [DOC: the field; SEC: the
// library keeps the last 100]. PwC has no call that sends a delivery again.

var (
	_ webhook.DeliveryLog    = (*Client)(nil)
	_ webhook.DeliveryHinter = (*Client)(nil)
)

// Deliveries reads subscription id's history. PwC logs per subscription,
// so an id is required.
func (c *Client) Deliveries(ctx context.Context, id string, q webhook.DeliveryQuery) ([]webhook.Delivery, error) {
	if id == "" {
		return nil, webhook.Invalid("pwc: the delivery history is per subscription: name one")
	}
	sr, err := c.get(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []webhook.Delivery{}
	for _, h := range sr.History {
		d := webhook.Delivery{ID: text.Printable(h.ID), RegistrationID: id, EventID: text.Printable(h.EventID),
			HTTPStatus: int(h.StatusCode), Description: text.Printable(h.StatusDescription), AttemptedAt: h.AttemptedDateUtc.ptr(),
			Status: webhook.DeliveryFailed, Event: text.Printable(sr.Subscription.Event)}
		if d.HTTPStatus >= 200 && d.HTTPStatus <= 299 {
			d.Status = webhook.DeliverySucceeded
		}
		if q.Match(d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// DeliveryHint says what PwC lacks: a resend call.
func (c *Client) DeliveryHint(bool) string {
	return "PwC's webhook API logs attempts in each subscription's history but has no call that sends a delivery again; `hookctl ping` sends a signed sample to the receiver"
}
