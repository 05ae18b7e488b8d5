package provider

// Confidence of a fact, as docs/providers/README.md marks it.
const (
	// ConfidenceSEC: stated only in a secondary source (an aggregation of
	// the provider's docs, or a library it demonstrably builds on).
	ConfidenceSEC = "SEC"
	// ConfidenceINF: our inference; stated nowhere we could read.
	ConfidenceINF = "INF"
	// ConfidenceUnknown: the public material is silent; the value is a
	// placeholder that works with hookctl's emulator.
	ConfidenceUnknown = "UNKNOWN"
	// ConfidenceClosest: the documents are silent and the value is our
	// choice, the closest to what they do say (limits, page sizes).
	ConfidenceClosest = "closest"
)

// Assumption is a fact hookctl relies on without having read it in the
// provider's own documents. Each provider declares its assumptions next
// to the code that uses them, so adding a guess means declaring it;
// `go run ./cmd/gendocs` lists them in
// docs/guides/provider-assumptions.md.
type Assumption struct {
	// Fact is what is assumed, e.g. "UK v2 read path".
	Fact string
	// Default is the value hookctl uses.
	Default string
	// Source is where the value comes from (a document, an analogy).
	Source string
	// Confidence is one of the Confidence constants.
	Confidence string
	// Override is the `profile add` flag that replaces the default
	// ("" when none does).
	Override string
	// Avoid says, where no profile setting replaces the default, how a
	// command does without it (a flag or a manifest key), in words; ""
	// when nothing does.
	Avoid string
	// Check is the `hookctl doctor` check whose ok confirms it ("" when
	// only a change at the provider would show it).
	Check string
	// Probe says what the check tries, read-only, when the default
	// fails (e.g. "GET /v1/... then /v3/..."), so `doctor --fix` can
	// write the value the account accepts; "" when it tries nothing.
	Probe string
}
