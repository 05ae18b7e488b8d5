package offblocks

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// The wire details OffBlocks' pages do not show (docs/providers/offblocks.md §3.3-3.4:
// the request-signature and verification sections are truncated) are
// profile settings, so an account whose API differs from our inference
// needs no new release. The defaults are the inferences the client has
// always used.
const (
	// FieldSigningPath is where PUT uploads the request-signing public key.
	FieldSigningPath = "signing-path"
	// FieldSigningKeyField is the JSON member of that upload's body.
	FieldSigningKeyField = "signing-key-field"
	// FieldVerificationKeyPath is where GET reads the delivery verification key.
	FieldVerificationKeyPath = "verification-key-path"
	// FieldSignedComponents are the components each request signature covers.
	FieldSignedComponents = "signed-components"
	// FieldDigestAlgorithm is the Content-Digest algorithm.
	FieldDigestAlgorithm = "digest-algorithm"
	// FieldAllowHTTPCallbacks lets register and update send plain http
	// callback URLs: OffBlocks documents callbackUrl as a URI without
	// saying it must be https; hookctl refuses http by default because
	// deliveries carry account data [INF].
	FieldAllowHTTPCallbacks = "allow-http-callbacks"
)

// Defaults of the wire settings.
const (
	// DefaultSigningPath: "PUT /v1/auth/signing" [DOC].
	DefaultSigningPath = "/v1/auth/signing"
	// DefaultSigningKeyField: the docs say the body carries the base64
	// public key without naming the member [UNKNOWN]; publicKey follows
	// OffBlocks' other camel-case fields [INF].
	DefaultSigningKeyField = "publicKey"
	// DefaultVerificationKeyPath: "Retrieve Webhook Verification Key"
	// shows no path [UNKNOWN]; this one sits beside the webhooks [INF].
	DefaultVerificationKeyPath = "/v1/webhooks/verification-key"
	// DefaultDigestAlgorithm: a "pre-defined algorithm" [DOC] left
	// unnamed; sha-256 is the default of OffBlocks' own signing library
	// (github.com/OffBlocks/httpsig) [SEC], which also accepts a sha-512
	// member it is not asked for.
	DefaultDigestAlgorithm = httpsig.DigestSHA256
)

// DefaultSignedComponents: everything a man in the middle could otherwise
// change, with the target as @authority, @path and @query rather than
// @target-uri. OffBlocks' library computes @target-uri from the request as
// a Go server receives it, whose URL holds only path and query, so an
// absolute @target-uri fails there unless the server rebuilds the URL;
// these three pass either way [SEC: OffBlocks/httpsig]. The list itself is
// not published [INF]; see the package comment.
var DefaultSignedComponents = []string{httpsig.CompMethod, httpsig.CompAuthority, httpsig.CompPath, httpsig.CompQuery, "authorization", "content-digest", "content-type", "idempotency-key"}

// signableComponents are the components a request of this client can
// carry: the derived ones of RFC 9421 that a request has, and the headers
// the client sends. A header is covered on the requests that carry it:
// content-digest and content-type with a body, idempotency-key on writes.
var signableComponents = []string{
	httpsig.CompMethod, httpsig.CompTargetURI, httpsig.CompAuthority, httpsig.CompScheme,
	httpsig.CompRequestTarget, httpsig.CompPath, httpsig.CompQuery,
	"authorization", "content-digest", "content-type", "idempotency-key",
}

// wireSettings are a profile's wire details, defaults filled in.
type wireSettings struct {
	signingPath, keyField, verificationKeyPath string
	components                                 []string
	digest                                     string
	allowHTTP                                  bool
}

// settingsOf reads and checks a profile's wire settings.
func settingsOf(p config.Profile) (wireSettings, error) {
	w := wireSettings{signingPath: DefaultSigningPath, keyField: DefaultSigningKeyField,
		verificationKeyPath: DefaultVerificationKeyPath, components: DefaultSignedComponents, digest: DefaultDigestAlgorithm}
	for _, f := range wireFields() {
		v := p.Setting(f.name)
		if v == "" {
			continue
		}
		if err := f.validate(v); err != nil {
			return w, err
		}
		switch f.name {
		case FieldSigningPath:
			w.signingPath = v
		case FieldSigningKeyField:
			w.keyField = v
		case FieldVerificationKeyPath:
			w.verificationKeyPath = v
		case FieldSignedComponents:
			w.components = splitComponents(v)
		case FieldDigestAlgorithm:
			w.digest = v
		case FieldAllowHTTPCallbacks:
			w.allowHTTP = v == "true"
		}
	}
	return w, nil
}

type wireField struct {
	name, usage string
	validate    func(string) error
	bool        bool
}

func wireFields() []wireField {
	return []wireField{
		{FieldSigningPath, "API path where `keys upload` PUTs the request-signing key (default " + DefaultSigningPath + ")", func(s string) error { return validatePath(FieldSigningPath, s) }, false},
		{FieldSigningKeyField, "JSON member of the key upload that carries the base64 public key (default " + DefaultSigningKeyField + ")", validateKeyField, false},
		{FieldVerificationKeyPath, "API path of the delivery verification key (default " + DefaultVerificationKeyPath + ")", func(s string) error { return validatePath(FieldVerificationKeyPath, s) }, false},
		{FieldSignedComponents, "comma-separated components each request signature covers (default " + strings.Join(DefaultSignedComponents, ",") + "; headers only on requests that carry them)", validateComponents, false},
		{FieldDigestAlgorithm, "Content-Digest algorithm: sha-256 or sha-512 (default " + DefaultDigestAlgorithm + ")", validateDigest, false},
		{FieldAllowHTTPCallbacks, "let register and update use plain http callback URLs (default: https only, http for localhost)", validateBool, true},
	}
}

func validatePath(name, s string) error {
	u, err := url.Parse(s)
	if err != nil || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || u.RawQuery != "" || u.Fragment != "" ||
		strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || text.IsControl(r) }) {
		return webhook.Invalid("offblocks: %s %q must be an API path such as /v1/auth/signing (no host, query or spaces)", name, s)
	}
	return nil
}

var jsonMemberRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

func validateKeyField(s string) error {
	if !jsonMemberRE().MatchString(s) {
		return webhook.Invalid("offblocks: %s %q must be a JSON member name such as publicKey", FieldSigningKeyField, s)
	}
	return nil
}

func splitComponents(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

func validateComponents(s string) error {
	comps := splitComponents(s)
	if len(comps) == 0 {
		return webhook.Invalid("offblocks: %s must name at least one component, e.g. %s", FieldSignedComponents, strings.Join(DefaultSignedComponents, ","))
	}
	for i, c := range comps {
		if !slices.Contains(signableComponents, c) {
			return webhook.Invalid("offblocks: %s: %q is not a component hookctl's requests carry (use any of %s)", FieldSignedComponents, c, strings.Join(signableComponents, ", "))
		}
		if slices.Contains(comps[:i], c) {
			return webhook.Invalid("offblocks: %s names %q twice", FieldSignedComponents, c)
		}
	}
	return nil
}

func validateBool(s string) error {
	if s != "true" && s != "false" {
		return webhook.Invalid("offblocks: %s %q must be true or false", FieldAllowHTTPCallbacks, s)
	}
	return nil
}

func validateDigest(s string) error {
	switch s {
	case httpsig.DigestSHA256, httpsig.DigestSHA512:
		return nil
	}
	return webhook.Invalid("offblocks: %s %q must be sha-256 or sha-512", FieldDigestAlgorithm, s)
}

// requestComponents are the configured components a request covers: the
// derived ones always, a header only when the request carries it.
func (w wireSettings) requestComponents(hasBody, hasIdem, hasAuth bool) []string {
	out := make([]string, 0, len(w.components))
	for _, c := range w.components {
		switch c {
		case "content-digest", "content-type":
			if !hasBody {
				continue
			}
		case "idempotency-key":
			if !hasIdem {
				continue
			}
		case "authorization":
			if !hasAuth {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// wireSpecFields are the wire settings as profile fields (`profile add
// --signing-path ...`).
func wireSpecFields() []provider.Field {
	var out []provider.Field
	for _, f := range wireFields() {
		out = append(out, provider.Field{Name: f.name, Usage: f.usage, Validate: f.validate, Bool: f.bool})
	}
	return out
}
