package signature

import (
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

// HTTPMessageSignatures is RFC 9421 with an RFC 9530 Content-Digest, as
// OffBlocks signs its deliveries (ECDSA P-384 most likely; every RFC 9421
// algorithm is accepted). The verification key is matched to the keyid
// parameter when a key with that KeyID is given, otherwise every key is
// tried. A non-empty body must be protected by a covered, matching
// Content-Digest: a signature that leaves the body out proves nothing
// about the delivery. Freshness uses created (at most Tolerance old, at
// most Tolerance in the future) and expires.
type HTTPMessageSignatures struct{}

// Name implements Scheme.
func (HTTPMessageSignatures) Name() string { return "http-message-signatures" }

// httpsigInputHeader is the header Detect keys on.
const httpsigInputHeader = "Signature-Input"

// Detect implements Scheme; RFC 9421 Appendix A recommends keying on
// Signature-Input, since other drafts also used a Signature field.
func (HTTPMessageSignatures) Detect(h http.Header) bool {
	return hasHeader(h, httpsigInputHeader)
}

// signComponents are the components Sign covers; content-type is left out
// when the request has none.
var signComponents = []string{httpsig.CompMethod, httpsig.CompTargetURI, "content-digest", "content-type"}

// message adapts a Request: a raw file may lack scheme and host, so the
// Host header and the scheme TargetScheme picks stand in, as they would for
// the receiver. assumed says why the scheme was assumed ("" if it was not).
func (req *Request) message() (m *httpsig.Message, assumed string) {
	u := new(url.URL)
	if req.URL != nil {
		*u = *req.URL
	}
	host, _ := singleHeader(req.Header, "Host")
	if u.Host == "" {
		u.Host = host
	}
	assumed = req.SchemeAssumed
	if u.Scheme == "" && u.Host != "" {
		u.Scheme, assumed = TargetScheme(u.Host)
	}
	// The target's authority wins over Host, as for an absolute-form
	// request line (RFC 9112 §3.2.2).
	return &httpsig.Message{Method: req.Method, URL: u, Authority: u.Host, Header: req.Header}, assumed
}

// verificationKey is what a Key contributes to RFC 9421 verification.
func verificationKey(k Key) any {
	switch {
	case k.Public != nil:
		return k.Public
	case k.Private != nil:
		return k.Private.Public()
	case len(k.Secret) > 0:
		return k.Secret
	}
	return nil
}

// eventID pulls OffBlocks' eventId out of a JSON body for deduplication.
func eventID(body []byte) string {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return ""
	}
	var v struct {
		EventID string `json:"eventId"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return v.EventID
}

// Verify implements Scheme.
func (s HTTPMessageSignatures) Verify(req *Request, keys []Key, opts Options) Result {
	r := newResult(s.Name())
	r.ID = eventID(req.Body)
	sigs, err := httpsig.ParseSignatures(req.Header)
	if err != nil {
		r.fail(StepHeaders, err.Error())
		return r.finish()
	}
	var desc []string
	for _, sg := range sigs {
		d := sg.Label + ": " + strconv.Itoa(len(sg.Components)) + " component(s)"
		if sg.Params.KeyID != "" {
			d += ", keyid " + strconv.Quote(sg.Params.KeyID)
		}
		if sg.Params.Alg != "" {
			d += ", alg " + sg.Params.Alg
		}
		desc = append(desc, d)
	}
	r.ok(StepHeaders, "Signature-Input/Signature: "+strings.Join(desc, "; "))

	digestLines := headerValues(req.Header, "Content-Digest")
	digestOK := true
	switch {
	case len(digestLines) > 0:
		if err := httpsig.CheckContentDigest(strings.Join(digestLines, ", "), req.Body); err != nil {
			r.fail(StepDigest, "Content-Digest: "+err.Error())
			digestOK = false
		} else {
			r.ok(StepDigest, "Content-Digest matches the body ("+strconv.Itoa(len(req.Body))+" bytes)")
		}
	case len(req.Body) > 0:
		r.fail(StepDigest, "the body ("+strconv.Itoa(len(req.Body))+" bytes) has no Content-Digest, so no signature protects it")
		digestOK = false
	default:
		r.ok(StepDigest, "no body and no Content-Digest")
	}

	m, assumed := req.message()
	if assumed != "" {
		for _, sg := range sigs {
			if sg.Covers(httpsig.CompTargetURI) || sg.Covers(httpsig.CompScheme) {
				r.ok(StepTarget, "target URI "+m.URL.String()+" (scheme "+assumed+")")
				break
			}
		}
	}
	now := opts.now()
	tol := opts.tolerance()
	verifyOpts := httpsig.VerifyOptions{Now: now, Tolerance: tol, MaxAge: tol, AllowMissingCreated: true}

	var firstFail *Result
	for i := range sigs {
		sub := newResult(s.Name())
		base := verifySignature(&sub, m, &sigs[i], keys, req.Body, digestOK, verifyOpts, len(sigs) > 1)
		if sub.FailedStep == "" && sub.Key != "" {
			r.Steps = append(r.Steps, sub.Steps...)
			r.Key = sub.Key
			res := r.finish()
			if res.Valid {
				res.Signed = signedBases(sigs[i:], base, m, keys, req.Body, verifyOpts)
			}
			return res
		}
		if firstFail == nil {
			firstFail = &sub
		}
	}
	r.Steps = append(r.Steps, firstFail.Steps...)
	if r.FailedStep == "" {
		r.FailedStep = firstFail.FailedStep
	}
	r.Key = firstFail.Key
	return r.finish()
}

// signedBases is the Signed data of an accepted delivery: the base of
// sigs[0], which was accepted, and of every later signature that verifies
// too, checked without steps. A replay store records them all, so a copy
// that keeps only another of the signatures is still known.
func signedBases(sigs []httpsig.Signature, base []byte, m *httpsig.Message, keys []Key, body []byte, vo httpsig.VerifyOptions) []Signed {
	out := []Signed{{Parts: [][]byte{base}, At: sigs[0].Params.Created}}
	for i := 1; i < len(sigs); i++ {
		quiet := newResult("")
		if b := verifySignature(&quiet, m, &sigs[i], keys, body, true, vo, true); quiet.FailedStep == "" && quiet.Key != "" {
			out = append(out, Signed{Parts: [][]byte{b}, At: sigs[i].Params.Created})
		}
	}
	return out
}

// verifySignature checks one labelled signature into sub and returns the
// signature base it verified over (nil when no key verified it).
func verifySignature(sub *Result, m *httpsig.Message, sg *httpsig.Signature, keys []Key, body []byte, digestOK bool, vo httpsig.VerifyOptions, several bool) []byte {
	prefix := ""
	if several {
		prefix = sg.Label + ": "
	}
	if len(body) > 0 && digestOK && !sg.Covers("content-digest") {
		sub.fail(StepDigest, prefix+"content-digest is not a covered component, so the body is not protected")
	}
	cand := candidateKeys(sub, sg, keys, prefix)
	matched, expired, verified, ok := tryHTTPSigKeys(sub, m, sg, keys, cand, vo.Now, prefix)
	if !ok {
		return nil
	}
	if matched < 0 && expired < 0 && len(cand) > 0 {
		sub.fail(StepSignature, prefix+"no key verifies the signature (wrong key, or a covered component altered)")
	}
	matchOutcome(sub, keys, matched, expired)
	if matched < 0 && expired < 0 {
		return nil
	}
	// Times are only meaningful once the signature over them holds.
	checkSignatureTime(sub, sg, vo, prefix)
	return verified
}

// candidateKeys are the indexes of the keys to try on sg: those whose
// KeyID is the signature's keyid, or all keys when none is (a key fetched
// from the API may lack its id).
func candidateKeys(sub *Result, sg *httpsig.Signature, keys []Key, prefix string) []int {
	var cand []int
	if sg.Params.KeyID != "" {
		for i, k := range keys {
			if k.KeyID == sg.Params.KeyID {
				cand = append(cand, i)
			}
		}
	}
	if len(cand) == 0 {
		for i := range keys {
			cand = append(cand, i)
		}
		if sg.Params.KeyID != "" && len(keys) > 0 {
			sub.note(StepKey, prefix+"no key has keyid "+strconv.Quote(sg.Params.KeyID)+"; trying every key")
		}
	}
	if len(cand) == 0 {
		sub.fail(StepKey, prefix+"no key to verify with")
	}
	return cand
}

// tryHTTPSigKeys tries the candidate keys on sg in turn: the first valid
// key that verifies is matched (its signature base verified), a match
// with an expired key is reported but not accepted; -1 for none. ok is
// false when the signature base itself could not be built, so no key
// will do better.
func tryHTTPSigKeys(sub *Result, m *httpsig.Message, sg *httpsig.Signature, keys []Key, cand []int, now time.Time, prefix string) (matched, expired int, verified []byte, ok bool) {
	matched, expired = -1, -1
	for _, i := range cand {
		k := keys[i]
		vk := verificationKey(k)
		name := strconv.Quote(k.label(i))
		if vk == nil {
			sub.note(StepKey, prefix+"key "+name+" has no key material; skipped")
			continue
		}
		alg, err := sg.ResolveAlgorithm(vk, "")
		if err != nil {
			sub.note(StepSignature, prefix+"key "+name+": "+err.Error())
			continue
		}
		base, err := sg.Verify(m, vk, alg)
		if err != nil {
			if base == nil {
				sub.fail(StepSignature, prefix+"cannot rebuild the signature base: "+err.Error())
				return -1, -1, nil, false
			}
			sub.note(StepSignature, prefix+"key "+name+": "+alg+" signature does not verify")
			continue
		}
		sub.ok(StepSignature, prefix+"key "+name+": "+alg+" signature verifies over "+strconv.Itoa(len(sg.Components))+" component(s)")
		if k.expired(now) {
			if expired < 0 {
				expired = i
			}
			continue
		}
		return i, expired, base, true
	}
	return matched, expired, nil, true
}

// checkSignatureTime records the timestamp step of a verified signature:
// its created and expires parameters against the tolerance.
func checkSignatureTime(sub *Result, sg *httpsig.Signature, vo httpsig.VerifyOptions, prefix string) {
	switch err := sg.CheckTime(vo); {
	case err == nil && sg.Params.Created.IsZero():
		sub.ok(StepTimestamp, prefix+"no created parameter: freshness not checked")
	case err == nil:
		skew := vo.Now.Sub(sg.Params.Created)
		d := prefix + "created " + fmtTime(sg.Params.Created) + ", "
		if skew >= 0 {
			d += fmtDur(skew) + " ago"
		} else {
			d += fmtDur(-skew) + " ahead"
		}
		if !sg.Params.Expires.IsZero() {
			d += ", expires " + fmtTime(sg.Params.Expires)
		}
		sub.ok(StepTimestamp, d+", within the "+fmtDur(vo.Tolerance)+" tolerance")
	case errors.Is(err, httpsig.ErrStale):
		sub.fail(StepTimestamp, prefix+"created "+fmtTime(sg.Params.Created)+" is "+fmtDur(vo.Now.Sub(sg.Params.Created))+" old: older than the "+fmtDur(vo.Tolerance)+" tolerance (stale or replayed)")
	default:
		sub.fail(StepTimestamp, prefix+err.Error())
	}
}

// Sign implements Scheme: Content-Digest (sha-256) for the body, then one
// signature per usable key, labelled sig1, sig2, ..., covering
// signComponents with created, keyid and alg.
func (s HTTPMessageSignatures) Sign(req *Request, keys []Key, now time.Time) error {
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	var usable []Key
	for _, k := range keys {
		if k.expired(now) || (k.Private == nil && len(k.Secret) == 0) {
			continue
		}
		usable = append(usable, k)
	}
	if len(usable) == 0 {
		return ErrNoSigningKey
	}
	req.Header.Set("Content-Digest", httpsig.ContentDigest(req.Body, httpsig.DefaultDigestAlgorithm))
	var ids []string
	for _, id := range signComponents {
		if id == "content-type" && len(headerValues(req.Header, "Content-Type")) == 0 {
			continue
		}
		ids = append(ids, id)
	}
	components, err := httpsig.Components(ids...)
	if err != nil {
		return err
	}
	m, _ := req.message()
	for i, k := range usable {
		var key any = k.Secret
		if k.Private != nil {
			key = crypto.Signer(k.Private)
		}
		alg, err := httpsig.AlgorithmForKey(key)
		if err != nil {
			return err
		}
		p := httpsig.Params{Created: now, KeyID: k.KeyID, Alg: alg}
		in, sig, err := httpsig.Sign(m, "sig"+strconv.Itoa(i+1), components, p, key)
		if err != nil {
			return err
		}
		if err := httpsig.SetSignature(req.Header, in, sig); err != nil {
			return err
		}
	}
	return nil
}
