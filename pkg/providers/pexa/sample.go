package pexa

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/webhook"
)

var _ webhook.SampleDeliverer = (*Client)(nil)

// SampleDelivery is a `ping` body in PEXA's envelope {timestamp,
// type:"<Category>.<EVENT>", data:{workspaceId, subscriberId,
// subscriberReferences, additionalReferences, links}} with a webhook-id
// (docs/providers/pexa.md 1.5 [SEC]; the category names are inferred).
func (c *Client) SampleDelivery(reg *webhook.Registration, event string, now time.Time) ([]byte, http.Header, error) {
	category := "Workspace"
	switch {
	case event == "SECRET_EXPIRY":
		category = "Notification"
	case strings.Contains(event, "LODGEMENT"):
		category = "Lodgement"
	case strings.Contains(event, "SETTLEMENT"), strings.HasPrefix(event, "FINANCIAL_"):
		category = "Settlement"
	}
	sub, _ := reg.Extra["subscriber_id"].(string)
	body, err := json.Marshal(map[string]any{
		"timestamp": now.UTC().Format(time.RFC3339), "type": category + "." + event,
		"data": map[string]any{"workspaceId": "PEXA000000000", "subscriberId": sub,
			"subscriberReferences": []any{}, "additionalReferences": []any{}, "links": []any{}},
	})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("webhook-id", uuid.NewString())
	return body, h, err
}
