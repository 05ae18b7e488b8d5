package solvimon

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/webhook"
)

var _ webhook.SampleDeliverer = (*Client)(nil)

// SampleDelivery is a `ping` body in Solvimon's envelope {created_at,
// type, original_request_id, environment, data} (docs/providers/solvimon.md 2.5); data
// is a stand-in for the resource the event names.
func (c *Client) SampleDelivery(reg *webhook.Registration, event string, now time.Time) ([]byte, http.Header, error) {
	resource, action, ok := strings.Cut(event, ".")
	if !ok || resource == "" || action == "" {
		return nil, nil, webhook.Invalid("solvimon: event %q is not of the form RESOURCE.ACTION (e.g. INVOICE.CREATED)", event)
	}
	env := "TEST"
	if c.base == LiveBaseURL {
		env = "LIVE"
	}
	ts := now.UTC().Format(time.RFC3339)
	body, err := json.Marshal(map[string]any{
		"created_at": ts, "type": event, "original_request_id": uuid.NewString(), "environment": env,
		"data": map[string]any{"object_type": resource, "id": "hookctl-ping-" + uuid.NewString()[:8], "created_at": ts},
	})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return body, h, err
}
