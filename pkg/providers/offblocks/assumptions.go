package offblocks

import (
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Assumptions are the OffBlocks facts this package relies on without
// having read them in OffBlocks' own pages (providers.md section 3, whose
// request-signature and verification pages are truncated). Each default is
// the constant the code uses.
func Assumptions() []provider.Assumption {
	return []provider.Assumption{
		{Fact: "Verification key path (\"Retrieve Webhook Verification Key\")",
			Default:    "`GET " + DefaultVerificationKeyPath + "`",
			Source:     "the page shows the answer {id, key} but not the path (providers.md 3.4)",
			Override:   FieldVerificationKeyPath,
			Confidence: provider.ConfidenceINF, Check: CheckVerificationKey},
		{Fact: "Signing-key upload body field",
			Default:    "`PUT " + DefaultSigningPath + "` with `{\"" + DefaultSigningKeyField + "\": base64(PEM)}`",
			Source:     "the docs say the body carries the base64-encoded public key; the field name is not visible, publicKey matches OffBlocks' other camel-case fields (providers.md 3.3)",
			Override:   FieldSigningKeyField,
			Confidence: provider.ConfidenceINF, Check: CheckSigningKey},
		{Fact: "Signing-key upload answer names the key id",
			Default:    "`id`, `keyId` or a bare string",
			Source:     "\"a unique key is returned\", shape not shown (providers.md 3.3)",
			Confidence: provider.ConfidenceUnknown, Check: CheckSigningKey},
		{Fact: "Covered components of request signatures",
			Default: "`" + strings.Join(DefaultSignedComponents, "` `") +
				"`, each header only where the request carries it; label `" + signatureLabel + "`",
			Source:     "the request-signatures page is truncated; everything a man in the middle could otherwise change (providers.md 3.3)",
			Override:   FieldSignedComponents,
			Confidence: provider.ConfidenceINF, Check: CheckSigningKey},
		{Fact: "Content-Digest algorithm",
			Default:    "`" + string(DefaultDigestAlgorithm) + "`",
			Source:     "\"pre-defined algorithm\", not named; OffBlocks' httpsig library implements sha-256 and sha-512 (providers.md 3.3)",
			Override:   FieldDigestAlgorithm,
			Confidence: provider.ConfidenceUnknown},
		{Fact: "Token lifetime when the answer has no expiresAt",
			Default:    unknownTokenLifetime.String(),
			Source:     "ours: short, since a 401 logs in again anyway",
			Confidence: provider.ConfidenceClosest, Check: webhook.CheckCredentials},
		{Fact: "List answer wrapper",
			Default:    "a bare JSON array (`{\"data\": [...]}` also read)",
			Source:     "not documented (providers.md 3.4)",
			Confidence: provider.ConfidenceINF, Check: webhook.CheckList},
		{Fact: "A webhook without types",
			Default: "read, and exported, as receiving every type; never created: `--all-events` (and a manifest's `all_events: true`) names the " +
				strconv.Itoa(len(eventNames())) + " types the guide lists, and a register or update without types is refused (exit 2)",
			Source:     "the guide lists all five types to receive all entities' updates; nothing says that absent types mean all (providers.md 3, 7)",
			Confidence: provider.ConfidenceINF,
			Avoid:      "`--all-events` sends the list; `--event` names types"},
		{Fact: "Delivery signatures",
			Default:    "RFC 9421 signature with `" + string(SignatureAlgorithm) + "` by the verification key, keyid matching its id, Content-Digest over the body",
			Source:     "the verification section of the webhook page is truncated (providers.md 3.5)",
			Confidence: provider.ConfidenceINF},
	}
}
