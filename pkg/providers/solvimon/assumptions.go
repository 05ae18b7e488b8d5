package solvimon

import (
	"fmt"

	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Assumptions are the Solvimon facts this package relies on without
// having read them in Solvimon's own documents (docs/providers/solvimon.md section 2).
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
			Source:     "Solvimon's default limit as the aggregation's conventions file states it (docs/providers/solvimon.md 2.6)",
			Confidence: provider.ConfidenceSEC, Check: webhook.CheckList},
		{Fact: "Actions list paging",
			Default:    fmt.Sprintf("pages of %d until one is short or repeats, at most %d", actionsPageSize, maxActionPages),
			Source:     "GET /v1/webhooks/actions takes limit and page but its answer has no paging fields",
			Confidence: provider.ConfidenceClosest, Check: webhook.CheckEvents},
		{Fact: "Delivery signature details",
			Default:    "HMAC-SHA256 over `{timestamp}.{payload}`, hex compared case-insensitively (base64 also accepted)",
			Source:     "the webhook guide, read through the aggregation; the hex case is inferred from the upper-case example (docs/providers/solvimon.md 2.5)",
			Confidence: provider.ConfidenceSEC},
		{Fact: "An empty included_actions list",
			Default: "every action, less excluded_actions: what `--all-events` and a manifest's `all_events: true` send (`included_actions: []`), saying so on stderr; " +
				"a register without `--event`, or an update or manifest entry that would leave no actions, is refused (exit 2)",
			Source:     "nothing in Solvimon's documents says what an empty or absent list means; the guide names valid values only (docs/providers/solvimon.md 2.4, 7)",
			Confidence: provider.ConfidenceINF,
			Avoid:      "`--event` names the actions; `--all-events` relies on it knowingly"},
		{Fact: "A ':' in the PASSWORD username",
			Default:    "sent, with a warning that the endpoint reads the user name only up to the first ':'",
			Source:     "the documented username pattern admits ':' (its `&-_` is a character range); the schema calls the pair basic authentication, and HTTP Basic cannot carry ':' in a user-id (RFC 7617)",
			Confidence: provider.ConfidenceINF,
			Avoid:      "a `--username` without ':'"},
		{Fact: "api_key and api_header_field patterns",
			Default:    "whole-value rules, " + "`" + apiKeyPattern().String() + "` and `" + apiHeaderFieldPattern().String() + "`; other values are refused (exit 2)",
			Source:     "the rendered reference publishes them without a closing `$` (as a search they would accept every value); the username and password patterns beside them are anchored, and the create example's key is alphanumeric",
			Confidence: provider.ConfidenceINF},
		{Fact: "Signing protocols",
			Default:    "`" + DefaultSigningProtocol + "` sent on every register; another name is sent with a warning, and `verify` checks " + DefaultSigningProtocol + " only",
			Source:     "the create example's value; the docs name no other and give the field no rule",
			Confidence: provider.ConfidenceINF,
			Avoid:      "`--signing-protocol`"},
		{Fact: "A reference names one webhook in an account",
			Default:    "manifests find a Solvimon webhook by its `reference`; of two live webhooks with one reference, the first is matched and the other planned for deletion (`apply --prune`)",
			Source:     "the spec makes reference required on create; nothing says it is unique",
			Confidence: provider.ConfidenceINF,
			Avoid:      "pin the webhook with `id:` in the manifest (`hookctl export --pin-ids`)"},
		{Fact: "Webhook events (deliveries list, resend)",
			Default: "`GET /v1/webhook-events?webhook_id=&status=&page=&limit=` → `{data:[{id, webhook_id, type, status, created_at, last_attempted_at, attempts:[{attempted_at, response_status_code, cause}]}]}`; " +
				"`POST /v1/webhook-events/{id}/resend` answers the event with the new attempt",
			Source:     "the guide names the endpoints and the statuses PENDING/SUCCEEDED/FAILED only; the published OpenAPI predates them, so fields, filters and answers follow the Webhook schema's conventions (docs/providers/solvimon.md 2.4)",
			Confidence: provider.ConfidenceINF},
	}
}
