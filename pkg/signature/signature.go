// Package signature signs and verifies webhook deliveries in the four
// schemes hookctl's providers use: Standard Webhooks (PEXA), Solvimon's
// payload signature, the X-Hub-Signature family (PwC's ServiceStack.Webhooks
// and GitHub) and HTTP Message Signatures (OffBlocks).
//
// Verification explains itself: a Result lists every step (headers found,
// timestamp skew, each key tried, digest) so `hookctl verify` can show a
// person why a delivery failed, not just that it did. Signing exists so the
// sandbox can emit deliveries that real receivers accept, and so tests on
// both sides meet in the middle.
//
// Everything secret is compared in constant time (hmac.Equal), and the
// HMAC schemes avoid fmt and reflection on the happy path: `verify listen`
// checks every delivery it receives.
package signature

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Key is one candidate key for a delivery. Several are passed at once
// during rotation overlaps ("current" and "previous").
type Key struct {
	Name       string           // "current", "previous", "verification-key", "file", ...
	Secret     []byte           // for HMAC schemes: the secret string's bytes as stored
	Public     crypto.PublicKey // for asymmetric schemes
	Private    crypto.Signer    // only for signing
	KeyID      string           // RFC 9421 keyid, optional
	ValidUntil *time.Time       // nil = no expiry; an expired key is tried but reported as expired and not accepted
}

func (k Key) expired(now time.Time) bool {
	return k.ValidUntil != nil && now.After(*k.ValidUntil)
}

func (k Key) label(i int) string {
	if k.Name != "" {
		return k.Name
	}
	return "#" + strconv.Itoa(i+1)
}

// Request is a delivery as received (or to be sent).
type Request struct {
	Method string
	// URL is the full target URI where known; for a raw file its scheme and
	// host may be empty, and the Host header stands in, with the scheme
	// TargetScheme picks.
	URL    *url.URL
	Header http.Header
	Body   []byte
	// SchemeAssumed, when set, says why URL's scheme was assumed: the
	// request as captured did not name it (an origin-form request line,
	// "POST /hook HTTP/1.1"). Verification mentions it when a signature
	// covers the target URI.
	SchemeAssumed string
	// Excess is what a captured request's body had beyond its
	// Content-Length, cut off Body (ParseRawRequest): usually a newline an
	// editor added; when the signature fails, a body changed after it was
	// captured.
	Excess []byte
}

// TargetScheme is the scheme assumed for a request that does not name its
// own: http for a loopback host (127.0.0.0/8, ::1, localhost), where a
// local receiver such as `hookctl verify listen` runs without TLS, and
// https otherwise, as for any public webhook endpoint. host may carry a
// port. The second result says why, for the explanation.
func TargetScheme(host string) (scheme, why string) {
	if isLoopbackHost(host) {
		return "http", "http assumed: the request line names no scheme and " + host + " is a loopback host"
	}
	return "https", "https assumed: the request line names no scheme"
}

func isLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SetTargetScheme overrides an assumed target scheme ("http" or "https")
// for a request that did not name its own; a request whose URL came with a
// scheme (an absolute-form request line, a HAR entry) keeps it, and asking
// to change that is an error.
func (req *Request) SetTargetScheme(scheme string) error {
	if scheme != "http" && scheme != "https" {
		return errors.New("want http or https, got " + strconv.Quote(scheme))
	}
	if req.URL != nil && req.URL.Scheme != "" && req.SchemeAssumed == "" {
		if req.URL.Scheme == scheme {
			return nil
		}
		return errors.New("the request names its target URI " + strconv.Quote(req.URL.String()) + "; its scheme is not assumed")
	}
	u := new(url.URL)
	if req.URL != nil {
		*u = *req.URL
	}
	u.Scheme = scheme
	req.URL = u
	req.SchemeAssumed = scheme + " as given"
	return nil
}

// Options tunes verification.
type Options struct {
	Now       time.Time     // zero means time.Now()
	Tolerance time.Duration // allowed clock skew and maximum age; zero means DefaultTolerance
}

// DefaultTolerance is the replay window of Standard Webhooks and Solvimon.
const DefaultTolerance = 5 * time.Minute

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (o Options) tolerance() time.Duration {
	if o.Tolerance <= 0 {
		return DefaultTolerance
	}
	return o.Tolerance
}

// Step names used in Result.Steps and Result.FailedStep.
const (
	StepHeaders   = "headers"
	StepTimestamp = "timestamp"
	StepDigest    = "digest"
	StepSignature = "signature"
	StepKey       = "key"
	StepReplay    = "replay"
	// StepTarget is informational only (never a FailedStep): the target URI
	// an RFC 9421 signature was checked against, when its scheme had to be
	// assumed.
	StepTarget = "target"
)

// Step is one check and its outcome, in the order performed.
type Step struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Result is the outcome of Verify.
type Result struct {
	Valid      bool   `json:"valid"`
	Scheme     string `json:"scheme"`
	Key        string `json:"key"` // name of the key that matched, "" if none
	Steps      []Step `json:"steps"`
	FailedStep string `json:"failed_step"`
	// ID is the delivery id where the delivery carries one (webhook-id,
	// X-Webhook-Delivery, eventId...), for people reading the result. Only
	// webhook-id is signed, so replay detection keys on Signed instead.
	ID string `json:"id"`
	// Signed is what the accepted signatures cover, for replay detection;
	// empty unless Valid.
	Signed []Signed `json:"-"`
}

// Signed is the data one accepted signature covers, as it was fed to the
// MAC or signature algorithm: id, timestamp and body for the HMAC schemes,
// the signature base for RFC 9421. A replay store keys on it because it is
// exactly what a sender cannot change without the key, and exactly what
// the header text around it does not reach: the case or encoding of a
// MAC, other v1 pairs, unsigned delivery ids, a signature's label. It is
// also the same whichever of several keys (a rotation overlap) verified,
// which the MAC bytes are not, and unlike ECDSA signature bytes it cannot
// be re-encoded into another valid form.
type Signed struct {
	// Parts are the covered bytes in signing order, without separators;
	// they may alias the request body.
	Parts [][]byte
	// At is the signed time (zero when the scheme signs none): a replay
	// store may forget the entry once At is past the tolerance window.
	At time.Time
}

func newResult(scheme string) Result {
	return Result{Scheme: scheme, Steps: make([]Step, 0, 6)}
}

func (r *Result) ok(name, detail string) {
	r.Steps = append(r.Steps, Step{Name: name, OK: true, Detail: detail})
}

// fail records a failed step; the first failure is the one reported.
func (r *Result) fail(name, detail string) {
	r.Steps = append(r.Steps, Step{Name: name, OK: false, Detail: detail})
	if r.FailedStep == "" {
		r.FailedStep = name
	}
}

// note records a negative finding that does not decide the outcome by
// itself, such as one key of several not matching.
func (r *Result) note(name, detail string) {
	r.Steps = append(r.Steps, Step{Name: name, OK: false, Detail: detail})
}

// finish sets Valid: an unexpired key matched and no step failed. Key stays
// set when the signature matched but another step (say the timestamp)
// failed, so the report can say "right key, stale delivery".
func (r *Result) finish() Result {
	r.Valid = r.FailedStep == "" && r.Key != ""
	if !r.Valid && r.FailedStep == "" {
		r.FailedStep = StepSignature
	}
	return *r
}

// finishSigned is finish for a scheme whose every signature covers the
// same parts, the strings in prefix and then body: a valid result records
// them as its Signed data, in one allocation when the strings are short,
// and an invalid one costs none.
func (r *Result) finishSigned(at time.Time, body []byte, prefix ...string) Result {
	res := r.finish()
	if !res.Valid {
		return res
	}
	n := 0
	for _, p := range prefix {
		n += len(p)
	}
	sd := &struct {
		signed [1]Signed
		parts  [3][]byte
		text   [48]byte // room for an id and a timestamp
	}{}
	parts := sd.parts[:0]
	if len(prefix) >= len(sd.parts) {
		parts = make([][]byte, 0, len(prefix)+1)
	}
	text := sd.text[:0]
	if n > len(sd.text) {
		text = make([]byte, 0, n)
	}
	for _, p := range prefix {
		text = append(text, p...)
		parts = append(parts, text[len(text)-len(p):len(text):len(text)])
	}
	sd.signed[0] = Signed{Parts: append(parts, body), At: at}
	res.Signed = sd.signed[:]
	return res
}

// Scheme is one delivery signature scheme.
type Scheme interface {
	Name() string
	// Detect reports whether h carries this scheme's signature headers.
	Detect(h http.Header) bool
	// Verify checks req with keys; it never returns an error: every
	// problem is a failed step.
	Verify(req *Request, keys []Key, opts Options) Result
	// Sign sets the scheme's headers on req.Header; several keys yield
	// several signatures where the scheme allows (rotation overlaps).
	// Expired keys are not used.
	Sign(req *Request, keys []Key, now time.Time) error
}

// Errors for scheme selection, so the CLI can tell usage mistakes (exit 2)
// from failed verifications (exit 3).
var (
	ErrUnknownScheme   = errors.New("unknown signature scheme")
	ErrNoScheme        = errors.New("no delivery signature headers found")
	ErrAmbiguousScheme = errors.New("headers match several signature schemes")
	ErrNoSigningKey    = errors.New("no usable signing key")
)

// schemes is every scheme, one line each, in a stable order: the scheme,
// the headers whose presence with a value shows it (what its Detect looks
// for, in canonical spelling) and how ErrNoScheme names them. A new
// scheme is one line here.
var schemes = [...]struct {
	scheme  Scheme
	headers []string
	shown   string
}{
	{StandardWebhooks{}, []string{standardSignatureHeader}, "webhook-signature"},
	{Solvimon{}, []string{solvimonSignatureHeader}, "X-PAYLOAD-SIGNATURE"},
	{HubSignature{}, []string{hubHeader, hub256Header}, "X-Hub-Signature or X-Hub-Signature-256"},
	{HTTPMessageSignatures{}, []string{httpsigInputHeader}, "Signature-Input"},
}

// Schemes returns all schemes in a stable order.
func Schemes() []Scheme {
	out := make([]Scheme, len(schemes))
	for i, s := range schemes {
		out[i] = s.scheme
	}
	return out
}

func schemeNames() string {
	var b strings.Builder
	for i, s := range schemes {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.scheme.Name())
	}
	return b.String()
}

// Lookup finds a scheme by name.
func Lookup(name string) (Scheme, error) {
	for _, s := range schemes {
		if s.scheme.Name() == name {
			return s.scheme, nil
		}
	}
	return nil, &schemeError{err: ErrUnknownScheme, msg: strconv.Quote(name) + " (valid: " + schemeNames() + ")"}
}

// detectNames is every scheme's detecting headers, for one pass over a
// header map; detectOf[i] is the index in schemes of the one
// detectNames[i] is for. lookedFor is ErrNoScheme's list of them.
var detectNames, detectOf, lookedFor = func() (names []string, of []int, looked string) {
	var shown []string
	for i, s := range schemes {
		for _, h := range s.headers {
			names = append(names, h)
			of = append(of, i)
		}
		shown = append(shown, s.shown+" ("+s.scheme.Name()+")")
	}
	return names, of, strings.Join(shown, ", ")
}()

// Detect picks the scheme whose headers h carries: the same answer as
// asking each scheme's Detect, but with one case-insensitive pass over h
// for all the headers not found under their canonical names, not one per
// such header. A batch detects the scheme of every delivery, and those
// passes were about a tenth of a batch check (pprof of
// BenchmarkVerifyBatchRun).
func Detect(h http.Header) (Scheme, error) {
	present := presentHeaders(h, detectNames)
	var buf [len(schemes)]Scheme
	found := buf[:0]
	for i, s := range schemes {
		for j, of := range detectOf {
			if of == i && present&(1<<j) != 0 {
				found = append(found, s.scheme)
				break
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, &schemeError{err: ErrNoScheme, msg: "looked for " + lookedFor}
	}
	names := make([]string, len(found))
	for i, s := range found {
		names[i] = s.Name()
	}
	return nil, &schemeError{err: ErrAmbiguousScheme, msg: strings.Join(names, ", ") + "; name the scheme explicitly"}
}

type schemeError struct {
	err error
	msg string
}

func (e *schemeError) Error() string { return e.err.Error() + ": " + e.msg }
func (e *schemeError) Unwrap() error { return e.err }

// headerValues returns all lines of a header, canonical lookup first, then
// case-insensitive (raw maps built by hand or by other parsers). Callers
// pass name in canonical form, so the lookup under name itself is the
// canonical one, and a header that is there costs no canonicalisation (2%
// of a batch run, perf).
func headerValues(h http.Header, name string) []string {
	if v, ok := h[name]; ok {
		return v
	}
	if v, ok := h[http.CanonicalHeaderKey(name)]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// hasHeader reports whether any of names (canonical) has a value in h, as
// len(headerValues(h, name)) > 0 would for each.
func hasHeader(h http.Header, names ...string) bool {
	return presentHeaders(h, names) != 0
}

// presentHeaders returns a bit set: bit i when names[i] (canonical, at most
// 64 of them) has a value in h, the lines headerValues would return: those
// under the canonical name when h has it, else those of the first key
// equal to it but for case. One pass over h finds both, comparing strings
// rather than hashing every name for a lookup.
func presentHeaders(h http.Header, names []string) uint64 {
	var exact, folded, present, foldPresent uint64
	for k, v := range h {
		for i, n := range names {
			bit := uint64(1) << i
			switch {
			case k == n:
				exact |= bit
				if len(v) > 0 {
					present |= bit
				}
			case folded&bit == 0 && mayFold(k, n) && strings.EqualFold(k, n):
				folded |= bit
				if len(v) > 0 {
					foldPresent |= bit
				}
			}
		}
	}
	return present | foldPresent&^exact
}

// mayFold is a quick test before strings.EqualFold(k, n) for an ASCII n:
// false only when they cannot be equal but for case. A rune that folds to
// an ASCII letter is that letter or longer (the Kelvin sign, the long s),
// so k is at least as long as n, and an ASCII first byte must be n's in
// either case.
func mayFold(k, n string) bool {
	return len(k) >= len(n) && len(n) > 0 && (k[0] >= utf8.RuneSelf || k[0]|0x20 == n[0]|0x20)
}

// singleHeader returns the one value of a header that must appear once.
// count is how many lines there were (0, 1 or more).
func singleHeader(h http.Header, name string) (value string, count int) {
	v := headerValues(h, name)
	if len(v) == 0 {
		return "", 0
	}
	return strings.TrimSpace(v[0]), len(v)
}

// usableSigningKeys drops keys expired at now and keys without material.
func usableSigningKeys(keys []Key, now time.Time, needSecret bool) []Key {
	out := make([]Key, 0, len(keys))
	for _, k := range keys {
		if k.expired(now) {
			continue
		}
		if needSecret && len(k.Secret) == 0 {
			continue
		}
		out = append(out, k)
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func fmtDur(d time.Duration) string { return d.Round(time.Second).String() }

func appendTime(b []byte, t time.Time) []byte { return t.UTC().AppendFormat(b, time.RFC3339) }

// appendDur is append(b, fmtDur(d)...) without fmtDur's result escaping,
// so Duration.String's string stays on the stack.
func appendDur(b []byte, d time.Duration) []byte { return append(b, d.Round(time.Second).String()...) }

// checkSkew produces the timestamp step shared by the timestamped schemes.
// Its detail, like every detail on the way to a valid result, is appended
// to a buffer on the stack and costs one allocation, not one per piece:
// a batch builds them for every delivery.
func checkSkew(r *Result, ts time.Time, opts Options) {
	now, tol := opts.now(), opts.tolerance()
	skew := now.Sub(ts)
	var buf [160]byte
	b := appendTime(append(buf[:0], "signed at "...), ts)
	b = append(b, ", "...)
	switch {
	case skew > tol:
		b = appendDur(append(appendDur(b, skew), " ago: older than the "...), tol)
		r.fail(StepTimestamp, string(append(b, " tolerance (stale or replayed)"...)))
	case -skew > tol:
		b = appendDur(append(appendDur(b, -skew), " in the future: beyond the "...), tol)
		r.fail(StepTimestamp, string(append(b, " tolerance (check clocks)"...)))
	case skew >= 0:
		b = appendDur(append(appendDur(b, skew), " ago, within the "...), tol)
		r.ok(StepTimestamp, string(append(b, " tolerance"...)))
	default:
		b = appendDur(append(appendDur(b, -skew), " ahead, within the "...), tol)
		r.ok(StepTimestamp, string(append(b, " tolerance"...)))
	}
}

// matchOutcome records, after every key was tried, which key is accepted:
// matched and expired are indexes into keys, -1 for none. An expired key
// that matches is named but not accepted.
func matchOutcome(r *Result, keys []Key, matched, expired int) {
	switch {
	case matched >= 0:
		r.Key = keys[matched].label(matched)
		var buf [64]byte
		r.ok(StepKey, string(strconv.AppendQuote(append(buf[:0], "accepted key "...), r.Key)))
	case expired >= 0:
		k := keys[expired]
		r.fail(StepKey, "signature matches key "+strconv.Quote(k.label(expired))+", which expired at "+fmtTime(*k.ValidUntil)+"; an expired key is not accepted")
	}
}

// decodeSig decodes a MAC given as hex (either case) or base64 (standard or
// URL alphabet, padded or not): providers disagree, and PEXA's own
// documents say both. size is the MAC length, which tells hex from base64.
// The MAC is appended to dst: hex, the common case, costs no allocation
// when dst has room.
func decodeSig(dst []byte, s string, size int) (mac []byte, encoding string, ok bool) {
	if len(s) == 2*size {
		if b, ok := appendHex(dst, s); ok {
			return b, "hex", true
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return append(dst, b...), "base64", true
		}
	}
	return nil, "", false
}

// appendHex appends the bytes of hex string s (either case) to dst, as
// hex.DecodeString would decode them.
func appendHex(dst []byte, s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return nil, false
	}
	dst = slices.Grow(dst, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		hi, lo := fromHex[s[i]], fromHex[s[i+1]]
		if hi|lo > 0xf {
			return nil, false
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, true
}

// fromHex is each hex digit's value, 0xff for any other byte.
var fromHex = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			t[c] = byte(c - 'A' + 10)
		default:
			t[c] = 0xff
		}
	}
	return t
}()

// tryV1Keys tries each key's MAC against the decoded v1 signatures (the
// Solvimon and Standard Webhooks loop): the first valid key that matches is
// accepted; a match with an expired key is reported but not accepted.
// match returns the index of the first signature the key's MAC equals (-1
// for none) or a reason to skip the key; nSigs is how many signatures
// there are, encodings how each was written. altered names what a
// mismatch may mean besides a wrong secret.
func tryV1Keys(r *Result, keys []Key, now time.Time, nSigs int, encodings []string, altered string, match func(Key) (int, string)) {
	matched, expired := -1, -1
	if len(keys) == 0 {
		r.fail(StepKey, "no secret to verify with")
	}
	var buf [128]byte
	for i, k := range keys {
		name := strconv.AppendQuote(append(buf[:0], "key "...), k.label(i)) // `key "current"`
		if len(k.Secret) == 0 {
			r.note(StepKey, string(append(name, " has no secret; skipped"...)))
			continue
		}
		hit, skip := match(k)
		if skip != "" {
			r.note(StepKey, string(append(append(name, ": "...), skip...)))
			continue
		}
		if hit < 0 {
			r.note(StepSignature, string(append(name, ": no v1 signature matches"...)))
			continue
		}
		d := strconv.AppendInt(append(name, ": matches v1 signature "...), int64(hit+1), 10)
		d = strconv.AppendInt(append(d, " of "...), int64(nSigs), 10)
		r.ok(StepSignature, string(append(append(append(d, " ("...), encodings[hit]...), ')')))
		if k.expired(now) {
			if expired < 0 {
				expired = i
			}
			continue
		}
		matched = i
		break
	}
	if matched < 0 && expired < 0 && len(keys) > 0 {
		r.fail(StepSignature, "no key matches any v1 signature (wrong secret, or "+altered+" altered)")
	}
	matchOutcome(r, keys, matched, expired)
}
