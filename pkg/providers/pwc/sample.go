package pwc

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/webhook"
)

var _ webhook.SampleDeliverer = (*Client)(nil)

// SampleDelivery is a `ping` body as ServiceStack.Webhooks posts one: the
// event's data as JSON, with the subscription's Content-Type and
// X-Webhook-Event (docs/providers/pwc.md 4.5 [SEC]); PwC publishes no payloads, so
// the fields are ours [INF]. X-Webhook-Delivery comes with the signature.
func (c *Client) SampleDelivery(reg *webhook.Registration, event string, now time.Time) ([]byte, http.Header, error) {
	body, err := json.Marshal(map[string]any{
		"eventId": uuid.NewString(), "eventName": event, "createdDateUtc": now.UTC().Format(time.RFC3339),
		"subscriptionId": reg.ID, "data": map[string]any{"reportId": uuid.NewString(), "status": event},
	})
	ct, _ := reg.Extra["content_type"].(string)
	if ct == "" {
		ct = ContentTypeJSON
	}
	h := http.Header{}
	h.Set("Content-Type", ct)
	h.Set("X-Webhook-Event", event)
	return body, h, err
}
