package pexa

import (
	"strings"

	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Assumptions are the PEXA facts this package relies on without having
// read them in PEXA's own documents (docs/providers/pexa.md section 1). Each
// default is the constant the code uses.
func Assumptions() []provider.Assumption {
	uk := operationScopes[RegionUK]
	au := operationScopes[RegionAU]
	scopeList := func(m map[apiOp]string) string {
		var out []string
		for _, op := range []apiOp{opCreate, opEdit, opDelete, opRotate, opRead} {
			out = append(out, string(op)+" `"+m[op]+"`")
		}
		return strings.Join(out, ", ")
	}
	return []provider.Assumption{
		{Fact: "UK read path (list, get, and update without both --url and --event)",
			Default:    "`GET " + UKAPIPrefix + DefaultReadPath + "?registrationId=&page=&limit=`",
			Source:     "by analogy with AU's v2 GET; the UK portal defines the view:notification_registrations scope in v2 but shows no read operation (docs/providers/pexa.md 1.4)",
			Confidence: provider.ConfidenceINF, Override: FieldReadPath, Check: webhook.CheckReadPath,
			Probe: "on a 404/405/501, the same GET at `" + strings.Join(ReadPathCandidates[1:], "`, `") + "` (one request each)"},
		{Fact: "UK scope of each operation",
			Default:    scopeList(uk),
			Source:     "the UK v1/v2 pages list the scopes but not which operation takes which; paired as AU's spec pairs them (docs/providers/pexa.md 1.3)",
			Confidence: provider.ConfidenceINF, Override: FieldScopes, Check: CheckScopes,
			Probe: "none: a token is asked for each operation's scope and a refusal names the scopes; no other documented scope does the same work, so the grant is PEXA's to change"},
		{Fact: "AU scope of each operation",
			Default:    scopeList(au),
			Source:     "PEXA's AU OpenAPI, read through the api-evangelist aggregation (docs/providers/pexa.md 1.3)",
			Confidence: provider.ConfidenceSEC, Override: FieldScopes, Check: CheckScopes},
		{Fact: "UK update, delete and rotation paths",
			Default:    "`PUT`/`DELETE " + UKAPIPrefix + regPath("v1", "") + "/{registrationId}`, `POST " + UKAPIPrefix + regPath("v1", "") + "/{registrationId}/secret-rotation`",
			Source:     "the UK v1 operations exist; their paths are taken from the AU spec (docs/providers/pexa.md 1.4)",
			Confidence: provider.ConfidenceINF, Override: FieldAPIPrefix},
		{Fact: "AU path prefix",
			Default:    "none (`/v1/...` directly under the host)",
			Source:     "PEXA's AU OpenAPI puts the paths under the host; the AU guide's prose says `/notification/v1/...` (docs/providers/pexa.md 1.2)",
			Confidence: provider.ConfidenceSEC, Override: FieldAPIPrefix, Check: webhook.CheckList},
		{Fact: "AU token URLs",
			Default:    "prod `" + AUProdTokenURL + "`, test `" + AUTestTokenURL + "`",
			Source:     "the aggregation's authentication file (docs/providers/pexa.md 1.2)",
			Confidence: provider.ConfidenceSEC, Override: "token-url", Check: webhook.CheckCredentials},
		{Fact: "AU test API host",
			Default:    "`" + AUTestBaseURL + "`",
			Source:     "PEXA's AU OpenAPI servers, through the aggregation (docs/providers/pexa.md 1.2)",
			Confidence: provider.ConfidenceSEC, Override: "base-url", Check: webhook.CheckList},
		{Fact: "UK deliveries are signed like AU's (webhook-id, webhook-timestamp, webhook-signature)",
			Default:    "Standard Webhooks; MAC hex or base64, timestamp in seconds or milliseconds (verify accepts each)",
			Source:     "the UK portal is silent; AU's guide and the Standard Webhooks spec it links (docs/providers/pexa.md 1.5)",
			Confidence: provider.ConfidenceINF},
	}
}
