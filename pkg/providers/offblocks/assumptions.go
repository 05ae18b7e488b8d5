package offblocks

import (
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Assumptions are the OffBlocks facts this package relies on without
// having read them in OffBlocks' own pages (docs/providers/offblocks.md section 3, whose
// request-signature and verification pages are truncated). Each default is
// the constant the code uses.
func Assumptions() []provider.Assumption {
	return []provider.Assumption{
		{Fact: "Verification key path (\"Retrieve Webhook Verification Key\")",
			Default:    "`GET " + DefaultVerificationKeyPath + "`",
			Source:     "the page shows the answer {id, key} but not the path (docs/providers/offblocks.md 3.4)",
			Override:   FieldVerificationKeyPath,
			Confidence: provider.ConfidenceINF, Check: CheckVerificationKey,
			Probe: "on a 404/405/501, GET `" + strings.Join(VerificationKeyCandidates[1:], "`, `") + "` (one request each)"},
		{Fact: "Signing-key upload body field",
			Default:    "`PUT " + DefaultSigningPath + "` with `{\"" + DefaultSigningKeyField + "\": base64(PEM)}`",
			Source:     "the docs say the body carries the base64-encoded public key; the field name is not visible, publicKey matches OffBlocks' other camel-case fields (docs/providers/offblocks.md 3.3)",
			Override:   FieldSigningKeyField,
			Confidence: provider.ConfidenceINF, Check: CheckSigningKey},
		{Fact: "Signing-key upload answer names the key id",
			Default:    "`id`, `keyId` or a bare string",
			Source:     "\"a unique key is returned\", shape not shown (docs/providers/offblocks.md 3.3)",
			Confidence: provider.ConfidenceUnknown, Check: CheckSigningKey},
		{Fact: "Covered components of request signatures",
			Default: "`" + strings.Join(DefaultSignedComponents, "` `") +
				"`, each header only where the request carries it; label `" + signatureLabel + "`",
			Source:     "the request-signatures page is truncated; everything a man in the middle could otherwise change, with the target as @authority @path @query, which a server built on OffBlocks' own library (OffBlocks/httpsig) accepts however it rebuilds the URL, where an absolute @target-uri fails (docs/providers/offblocks.md 3.3, outside references)",
			Override:   FieldSignedComponents,
			Confidence: provider.ConfidenceINF, Check: CheckSigningKey,
			Probe: "when a signed list is refused for its signature, the same GET signed over each of " + candidateWords() + " (one request each)"},
		{Fact: "Content-Digest algorithm",
			Default:    "`" + string(DefaultDigestAlgorithm) + "`",
			Source:     "\"pre-defined algorithm\", not named; sha-256 is the default of OffBlocks' own httpsig library, which also implements sha-512 (docs/providers/offblocks.md 3.3, outside references)",
			Override:   FieldDigestAlgorithm,
			Confidence: provider.ConfidenceSEC, Check: CheckContentDigest,
			Probe: "a signed GET /v1/webhooks with a body `{}` carries the digest (nothing is written); refused for its digest, the same with the other algorithm (one request each)"},
		{Fact: "Token lifetime when the answer has no expiresAt",
			Default:    unknownTokenLifetime.String(),
			Source:     "ours: short, since a 401 logs in again anyway",
			Confidence: provider.ConfidenceClosest, Check: webhook.CheckCredentials},
		{Fact: "List answer wrapper",
			Default:    "a bare JSON array (`{\"data\": [...]}` also read)",
			Source:     "not documented (docs/providers/offblocks.md 3.4)",
			Confidence: provider.ConfidenceINF, Check: webhook.CheckList},
		{Fact: "Callback URLs must be https",
			Default:    "https only (plain http for localhost)",
			Source:     "ours: OffBlocks documents callbackUrl as a URI without a scheme rule; deliveries carry account data",
			Override:   FieldAllowHTTPCallbacks,
			Confidence: provider.ConfidenceClosest},
		{Fact: "Freshness window of a delivery's signature (`verify`)",
			Default:    signature.DefaultTolerance.String() + " either side of the signature's `created`",
			Source:     "ours: OffBlocks publishes none, and its own library's verifier checks no window unless configured; five minutes is what verify uses for every scheme",
			Avoid:      "`hookctl verify --tolerance`",
			Confidence: provider.ConfidenceClosest},
		{Fact: "A webhook without types",
			Default: "read, and exported, as receiving every type; never created: `--all-events` (and a manifest's `all_events: true`) names the " +
				strconv.Itoa(len(eventNames())) + " types the guide lists, and a register or update without types is refused (exit 2)",
			Source:     "the guide lists all five types to receive all entities' updates; nothing says that absent types mean all (docs/providers/offblocks.md 3, 7)",
			Confidence: provider.ConfidenceINF,
			Avoid:      "`--all-events` sends the list; `--event` names types"},
		{Fact: "Delivery signatures",
			Default:    "RFC 9421 signature with `" + string(SignatureAlgorithm) + "` by the verification key, keyid matching its id, Content-Digest over the body",
			Source:     "the verification section of the webhook page is truncated (docs/providers/offblocks.md 3.5)",
			Confidence: provider.ConfidenceINF},
	}
}

// candidateWords lists ComponentCandidates for the assumptions guide.
func candidateWords() string {
	var out []string
	for _, c := range ComponentCandidates {
		out = append(out, "`"+strings.Join(c, " ")+"`")
	}
	return strings.Join(out, ", ")
}
