package pwc

import (
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Assumptions are the PwC facts this package relies on without having
// read them in PwC's own metadata pages (docs/providers/pwc.md section 4). Each
// default is the constant the code uses.
func Assumptions() []provider.Assumption {
	return []provider.Assumption{
		{Fact: "API authentication",
			Default:    "`POST /auth/credentials` {username, password} → bearerToken, sent as `Authorization: Bearer`; or `basic` (HTTP Basic on every request, checked with `GET /auth`) or `session` (the login's `ss-id` cookie)",
			Source:     "the webhook pages say only \"Requires Authentication\"; the sister service taxfiling.pwc.de exposes ServiceStack's /auth/{provider}; the other modes are ServiceStack's basic auth provider and its session cookie (docs/providers/pwc.md 4.3)",
			Override:   FieldLoginMode,
			Confidence: provider.ConfidenceINF, Check: webhook.CheckCredentials},
		{Fact: "A 403 on update or delete means the current secret is wrong",
			Default:    "the ownership check failed: `secrets set` with the subscription's real secret, or `--current-secret-file`",
			Source:     "PwC documents that the current secret proves ownership, not which status a wrong one gets; 403 is what ServiceStack answers a caller it refuses (docs/providers/pwc.md 4.3)",
			Avoid:      "`--current-secret-file` gives the secret for one command",
			Confidence: provider.ConfidenceINF},
		{Fact: "Lifetime of a bearer token that is not a JWT",
			Default:    opaqueTokenLifetime.String(),
			Source:     "ours: ServiceStack sessions commonly live for hours; a 401 logs in again anyway",
			Confidence: provider.ConfidenceClosest, Check: webhook.CheckCredentials},
		{Fact: "Get one subscription, sync flavour",
			Default:    "`GET " + subscriptionsPath + "/{Id}`",
			Source:     "documented for /async only; sync by analogy with every other operation (docs/providers/pwc.md 4.4)",
			Confidence: provider.ConfidenceINF, Override: FieldGetRoute, Check: webhook.CheckReadPath,
			Probe: "a 404/405 for an id the list just returned: the same read under `/async/` (one request)"},
		{Fact: "Subscriptions to an event (`list --event`)",
			Default:    "`GET " + subscriptionsPath + "/find` with the profile's tax number, account and the event, once per event; a 404 means none",
			Source:     "find is documented with one SubscriptionResponse as its answer, not what it answers when nothing subscribes to the event (docs/providers/pwc.md 4.4)",
			Avoid:      "`list` without `--event` reads every subscription instead",
			Confidence: provider.ConfidenceINF},
		{Fact: "publicKeyXml and secret encryption",
			Default:    ".NET `RSAKeyValue` XML; RSA-OAEP with SHA-256 and MGF1-SHA-256, base64 ciphertext",
			Source:     "the metadata names the field and OAEP-SHA256; the XML form and encodings are inferred (docs/providers/pwc.md 4.4)",
			Confidence: provider.ConfidenceINF},
		{Fact: "Event names",
			Default:    "none built in: `events` lists the names the profile's subscriptions use",
			Source:     "PwC publishes none (docs/providers/pwc.md 4.4)",
			Confidence: provider.ConfidenceUnknown, Check: webhook.CheckEvents},
		{Fact: "Delivery signature",
			Default:    "`X-Hub-Signature: sha1=<hex HMAC-SHA256>` keyed with the secret's UTF-8 bytes (sha256=, bare, base64 also accepted)",
			Source:     "the ServiceStack.Webhooks library PwC builds on (docs/providers/pwc.md 4.5)",
			Confidence: provider.ConfidenceSEC},
		{Fact: "Rotation grace period",
			Default:    "none: the old secret stops verifying at once",
			Source:     "no overlap is documented (docs/providers/pwc.md 4.5)",
			Confidence: provider.ConfidenceINF},
	}
}
