package offblocks

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// The emulator's own reading of RFC 9421 request signatures and RFC 9530
// Content-Digest, written again from the RFCs and OffBlocks' library's
// behaviour (docs/providers/offblocks.md §3.3 and its outside references)
// rather than imported from pkg/signature/httpsig, the package hookctl's
// client signs with: a mistake shared by signer and verifier would pass
// every test. It knows one algorithm, ecdsa-p384-sha384 with raw r‖s
// signatures, and the components an OffBlocks request can carry.

// errSignature is a signature the emulator does not accept; the message
// follows OffBlocks' library ("invalid required signature").
type errSignature struct{ why string }

func (e errSignature) Error() string { return "invalid required signature: " + e.why }

func sigErr(format string, args ...any) error { return errSignature{fmt.Sprintf(format, args...)} }

// receivedSignature is the one signature of a request as received.
type receivedSignature struct {
	components []string // component identifiers, lower case
	sigParams  string   // the @signature-params value, serialised again
	created    int64
	keyID      string
	sig        []byte
}

// parseReceived reads Signature-Input and Signature. A request carries one
// signature (label sig1 from hookctl; any label is read, the first one).
func parseReceived(h http.Header) (*receivedSignature, error) {
	in, err := httpsfv.UnmarshalDictionary(h.Values("Signature-Input"))
	if err != nil {
		return nil, sigErr("Signature-Input is not a structured dictionary: %v", err)
	}
	sigs, err := httpsfv.UnmarshalDictionary(h.Values("Signature"))
	if err != nil {
		return nil, sigErr("Signature is not a structured dictionary: %v", err)
	}
	names := in.Names()
	if len(names) == 0 {
		return nil, sigErr("no Signature-Input")
	}
	label := names[0]
	m, _ := in.Get(label)
	il, ok := m.(httpsfv.InnerList)
	if !ok {
		return nil, sigErr("Signature-Input %s is not an inner list", label)
	}
	rs := &receivedSignature{}
	for _, it := range il.Items {
		name, ok := it.Value.(string)
		if !ok || name == "" || name != strings.ToLower(name) || (it.Params != nil && len(it.Params.Names()) > 0) {
			return nil, sigErr("component %v is not a plain lower-case component name", it.Value)
		}
		if slices.Contains(rs.components, name) {
			return nil, sigErr("component %q is covered twice", name)
		}
		rs.components = append(rs.components, name)
	}
	if il.Params != nil {
		if v, ok := il.Params.Get("created"); ok {
			if rs.created, ok = v.(int64); !ok {
				return nil, sigErr("created is not an integer")
			}
		}
		if v, ok := il.Params.Get("keyid"); ok {
			rs.keyID, _ = v.(string)
		}
		if v, ok := il.Params.Get("alg"); ok {
			if a, _ := v.(string); a != algorithm {
				return nil, sigErr("alg %v is not supported (only %s)", v, algorithm)
			}
		}
	}
	if rs.sigParams, err = httpsfv.Marshal(il); err != nil {
		return nil, sigErr("signature parameters: %v", err)
	}
	sm, ok := sigs.Get(label)
	if !ok {
		return nil, sigErr("Signature has no %s", label)
	}
	item, ok := sm.(httpsfv.Item)
	if !ok {
		return nil, sigErr("Signature %s is not a byte sequence", label)
	}
	if rs.sig, ok = item.Value.([]byte); !ok {
		return nil, sigErr("Signature %s is not a byte sequence", label)
	}
	return rs, nil
}

// signedRequest is what the components of a request are read from: the
// request as the client addressed it (internal/sandbox strips /offblocks from
// r.URL; the request line still has it).
type signedRequest struct {
	r      *http.Request
	scheme string
	target *url.URL // path and query as sent
}

func (s *Sandbox) addressed(r *http.Request) signedRequest {
	sr := signedRequest{r: r, scheme: "http", target: r.URL}
	if u, err := url.Parse(s.base); err == nil && u.Scheme != "" {
		sr.scheme = u.Scheme
	}
	if r.RequestURI != "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			sr.target = u
		}
	}
	return sr
}

// value is one component's value (RFC 9421 §2.1 and §2.2).
func (sr signedRequest) value(name string) (string, error) {
	path := sr.target.EscapedPath()
	if path == "" {
		path = "/"
	}
	switch name {
	case "@method":
		return sr.r.Method, nil
	case "@authority":
		return strings.ToLower(sr.r.Host), nil
	case "@scheme":
		return sr.scheme, nil
	case "@path":
		return path, nil
	case "@query":
		return "?" + sr.target.RawQuery, nil
	case "@request-target":
		if sr.target.RawQuery != "" {
			return path + "?" + sr.target.RawQuery, nil
		}
		return path, nil
	case "@target-uri":
		u := sr.scheme + "://" + strings.ToLower(sr.r.Host) + path
		if sr.target.RawQuery != "" {
			u += "?" + sr.target.RawQuery
		}
		return u, nil
	}
	if strings.HasPrefix(name, "@") {
		return "", sigErr("component %q is not one an OffBlocks request carries", name)
	}
	lines := sr.r.Header.Values(name)
	if len(lines) == 0 {
		return "", sigErr("covered header %q is not in the request", name)
	}
	for i, l := range lines {
		lines[i] = strings.Trim(l, " \t")
	}
	return strings.Join(lines, ", "), nil
}

// base is the signature base of rs over sr (RFC 9421 §2.5).
func (rs *receivedSignature) base(sr signedRequest) ([]byte, error) {
	var b strings.Builder
	for _, c := range rs.components {
		v, err := sr.value(c)
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, sigErr("component %q has a line break", c)
		}
		b.WriteString(strconv.Quote(c) + ": " + v + "\n")
	}
	b.WriteString(`"@signature-params": ` + rs.sigParams)
	return []byte(b.String()), nil
}

// verifyP384 checks a raw r‖s ECDSA P-384 signature over SHA-384 of base.
func verifyP384(pub *ecdsa.PublicKey, base, sig []byte) bool {
	if len(sig) != 96 {
		return false
	}
	sum := sha512.Sum384(base)
	r, s := new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:])
	return ecdsa.Verify(pub, sum[:], r, s)
}

// verifySignature checks the request's signature with pub: parsed, made
// over every component of required, fresh, and valid. keyid is required
// on every signature (OffBlocks' library reads it unconditionally); want,
// when set, is the id it must name.
func (s *Sandbox) verifySignature(r *http.Request, pub *ecdsa.PublicKey, want string, required []string) error {
	rs, err := parseReceived(r.Header)
	if err != nil {
		return err
	}
	if rs.keyID == "" {
		return sigErr("the signature has no keyid")
	}
	if want != "" && rs.keyID != want {
		return sigErr("keyid %q is not the uploaded key's id", rs.keyID)
	}
	for _, c := range required {
		if !slices.Contains(rs.components, c) {
			return sigErr("required component not covered by the signature: %q", c)
		}
	}
	if rs.created == 0 {
		return sigErr("the signature has no created time")
	}
	created, now := time.Unix(rs.created, 0), s.now()
	switch {
	case created.After(now.Add(maxClockAhead)):
		return sigErr("created %s is in the future", created.UTC().Format(time.RFC3339))
	case now.Sub(created) > maxSignatureAge:
		return sigErr("created %s is older than %s", created.UTC().Format(time.RFC3339), maxSignatureAge)
	}
	base, err := rs.base(s.addressed(r))
	if err != nil {
		return err
	}
	if !verifyP384(pub, base, rs.sig) {
		return sigErr("the signature does not match (signed by another key, or the method, target or a covered header differs from what was signed)")
	}
	return nil
}

// checkContentDigest checks Content-Digest against body (RFC 9530): every
// sha-256 or sha-512 member must match, members of other algorithms are
// ignored, and at least one known member must be there; only, when set,
// is the one algorithm accepted.
func checkContentDigest(lines []string, body []byte, only string) error {
	d, err := httpsfv.UnmarshalDictionary(lines)
	if err != nil {
		return fmt.Errorf("not a structured dictionary: %v", err)
	}
	known := 0
	for _, alg := range d.Names() {
		m, _ := d.Get(alg)
		it, ok := m.(httpsfv.Item)
		got, isBytes := it.Value.([]byte)
		if !ok || !isBytes {
			return fmt.Errorf("%s is not a byte sequence", alg)
		}
		var sum []byte
		switch alg {
		case "sha-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "sha-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue
		}
		if only != "" && alg != only {
			return fmt.Errorf("must use %s (got %s)", only, alg)
		}
		if string(sum) != string(got) {
			return fmt.Errorf("%s does not match the body (got %s)", alg, base64.StdEncoding.EncodeToString(got))
		}
		known++
	}
	if known == 0 {
		return errors.New("no sha-256 or sha-512 member")
	}
	return nil
}
