package solvimon

import (
	"fmt"

	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Assumptions are the Solvimon facts this package relies on without
// having read them in Solvimon's own documents (providers.md section 2).
// Each default is the constant the code uses.
func Assumptions() []provider.Assumption {
	return []provider.Assumption{
		{Fact: "Length of name, reference and username",
			Default:    fmt.Sprintf("at most %d characters", maxFieldLen),
			Source:     "the spec gives them no limit; the documented limit of the authentication fields applied to them too",
			Confidence: provider.ConfidenceClosest},
		{Fact: "Length of url",
			Default:    fmt.Sprintf("at most %d characters", maxURLLen),
			Source:     "the spec gives no limit; longer URLs are refused by common HTTP implementations",
			Confidence: provider.ConfidenceClosest},
		{Fact: "List page size",
			Default:    fmt.Sprintf("%d, asked for explicitly", defaultPageSize),
			Source:     "Solvimon's default limit as the aggregation's conventions file states it (providers.md 2.6)",
			Confidence: provider.ConfidenceSEC, Check: webhook.CheckList},
		{Fact: "Actions list paging",
			Default:    fmt.Sprintf("pages of %d until one is short or repeats, at most %d", actionsPageSize, maxActionPages),
			Source:     "GET /v1/webhooks/actions takes limit and page but its answer has no paging fields",
			Confidence: provider.ConfidenceClosest, Check: webhook.CheckEvents},
		{Fact: "Delivery signature details",
			Default:    "HMAC-SHA256 over `{timestamp}.{payload}`, hex compared case-insensitively (base64 also accepted)",
			Source:     "the webhook guide, read through the aggregation; the hex case is inferred from the upper-case example (providers.md 2.5)",
			Confidence: provider.ConfidenceSEC},
		{Fact: "Webhook events (deliveries list, resend)",
			Default: "`GET /v1/webhook-events?webhook_id=&status=&page=&limit=` → `{data:[{id, webhook_id, type, status, created_at, last_attempted_at, attempts:[{attempted_at, response_status_code, cause}]}]}`; " +
				"`POST /v1/webhook-events/{id}/resend` answers the event with the new attempt",
			Source:     "the guide names the endpoints and the statuses PENDING/SUCCEEDED/FAILED only; the published OpenAPI predates them, so fields, filters and answers follow the Webhook schema's conventions (providers.md 2.4)",
			Confidence: provider.ConfidenceINF},
	}
}
