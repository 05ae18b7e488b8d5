package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HubSignature is the X-Hub-Signature family: an HMAC of the raw body keyed
// with the secret string's bytes, no timestamp.
//
// PwC's Report Filing Service runs ServiceStack.Webhooks, which writes
// "X-Hub-Signature: sha1=<hex>" although the hex is HMAC-SHA256. GitHub
// sends X-Hub-Signature-256 ("sha256=<hex>", HMAC-SHA256) and, for old
// integrations, X-Hub-Signature with a genuine HMAC-SHA1. So X-Hub-Signature
// is tried as HMAC-SHA256 first and HMAC-SHA1 second, and the report says
// which it was. Prefixes sha1=, sha256= or none, hex or base64, are all
// accepted. Every signature header present must verify.
type HubSignature struct{}

// Name implements Scheme.
func (HubSignature) Name() string { return "hub-signature" }

const (
	hubHeader    = "X-Hub-Signature"
	hub256Header = "X-Hub-Signature-256"
)

// Detect implements Scheme.
func (HubSignature) Detect(h http.Header) bool {
	return hasHeader(h, hubHeader, hub256Header)
}

type hubAlg struct {
	name string
	new  func() hash.Hash
	kind uintptr // for macOf
	size int
}

var (
	hubSHA256 = hubAlg{"HMAC-SHA256", sha256.New, hashSHA256, sha256.Size}
	hubSHA1   = hubAlg{"HMAC-SHA1", sha1.New, hashSHA1, sha1.Size}
)

// hubMAC appends the MAC to dst.
func hubMAC(dst []byte, a hubAlg, secret, body []byte) []byte {
	return macOf(dst, a.kind, a.new, secret, body)
}

// hubSig is one signature header, decoded.
type hubSig struct {
	header, prefix, encoding string
	mac                      []byte
	algs                     []hubAlg // algorithms to try, in order
}

func parseHubSig(header, value string) (hubSig, bool) {
	s := hubSig{header: header}
	prefix, rest, ok := strings.Cut(value, "=")
	// A base64 value can end in "=", so only known prefixes count as such.
	switch p := strings.ToLower(prefix); {
	case ok && (p == "sha1" || p == "sha256"):
		s.prefix, value = p, rest
	}
	value = strings.TrimSpace(value)
	if header == hub256Header {
		s.algs = []hubAlg{hubSHA256}
	} else {
		s.algs = []hubAlg{hubSHA256, hubSHA1}
	}
	for _, a := range s.algs {
		if mac, enc, ok := decodeSig(nil, value, a.size); ok && len(mac) == a.size {
			s.mac, s.encoding = mac, enc
			// The decoded length decides the algorithm: 32 bytes cannot be
			// SHA-1 and 20 cannot be SHA-256.
			s.algs = []hubAlg{a}
			return s, true
		}
	}
	return s, false
}

// Verify implements Scheme.
func (s HubSignature) Verify(req *Request, keys []Key, opts Options) Result {
	r := newResult(s.Name())
	sigs, ok := hubSignatures(&r, req.Header)
	if !ok {
		return r.finish()
	}
	id, _ := singleHeader(req.Header, "X-Webhook-Delivery")
	if id == "" {
		id, _ = singleHeader(req.Header, "X-Github-Delivery")
	}
	r.ID = id
	var names []string
	for _, sg := range sigs {
		names = append(names, sg.header)
	}
	r.ok(StepHeaders, "found "+strings.Join(names, ", "))

	matched, expired := tryHubKeys(&r, sigs, keys, req.Body, opts.now())
	if matched < 0 && expired < 0 && len(keys) > 0 {
		r.fail(StepSignature, "no key matches (wrong secret, or body altered)")
	}
	matchOutcome(&r, keys, matched, expired)
	detail := "no timestamp in this scheme: replay protection not covered (a captured copy verifies until the secret changes)"
	if id != "" {
		detail += "; its delivery id " + strconv.Quote(id) + " is not signed"
	}
	r.ok(StepReplay, detail)
	return r.finishSigned(time.Time{}, req.Body)
}

// hubSignatures decodes the signature headers of h, X-Hub-Signature-256
// first; ok is false, with the headers step failed, when one appears
// twice, does not decode, or none is there.
func hubSignatures(r *Result, h http.Header) (sigs []hubSig, ok bool) {
	for _, name := range []string{hub256Header, hubHeader} {
		v, n := singleHeader(h, name)
		switch {
		case n == 0:
			continue
		case n > 1:
			r.fail(StepHeaders, name+" appears "+strconv.Itoa(n)+" times; it must appear once")
			return nil, false
		}
		sig, ok := parseHubSig(name, v)
		if !ok {
			r.fail(StepHeaders, name+" is not a hex or base64 HMAC-SHA256/HMAC-SHA1 value")
			return nil, false
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		r.fail(StepHeaders, "missing X-Hub-Signature or X-Hub-Signature-256")
		return nil, false
	}
	return sigs, true
}

// tryHubKeys tries each key on every signature header: the first valid
// key that matches them all is matched, a match with an expired key is
// reported but not accepted; -1 for none.
func tryHubKeys(r *Result, sigs []hubSig, keys []Key, body []byte, now time.Time) (matched, expired int) {
	matched, expired = -1, -1
	if len(keys) == 0 {
		r.fail(StepKey, "no secret to verify with")
	}
	for i, k := range keys {
		if len(k.Secret) == 0 {
			r.note(StepKey, "key "+strconv.Quote(k.label(i))+" has no secret; skipped")
			continue
		}
		var found []string
		all := true
		for _, sg := range sigs {
			a := sg.algs[0]
			if hmac.Equal(hubMAC(nil, a, k.Secret, body), sg.mac) {
				found = append(found, sg.header+" is "+a.name+" ("+sg.encoding+")")
			} else {
				all = false
			}
		}
		if !all {
			msg := "key " + strconv.Quote(k.label(i)) + ": "
			if len(found) == 0 {
				msg += "no match"
			} else {
				msg += "only " + strings.Join(found, ", ") + " matches"
			}
			r.note(StepSignature, msg)
			continue
		}
		r.ok(StepSignature, "key "+strconv.Quote(k.label(i))+": "+strings.Join(found, "; "))
		if k.expired(now) {
			if expired < 0 {
				expired = i
			}
			continue
		}
		return i, expired
	}
	return matched, expired
}

// Sign implements Scheme in ServiceStack.Webhooks' format, which is what
// PwC sends: "X-Hub-Signature: sha1=<hex HMAC-SHA256>" with the first
// usable key (PwC has no overlap window), plus an X-Webhook-Delivery id
// when none is set.
func (s HubSignature) Sign(req *Request, keys []Key, now time.Time) error {
	usable := usableSigningKeys(keys, now, true)
	if len(usable) == 0 {
		return ErrNoSigningKey
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	req.Header.Set(hubHeader, "sha1="+hex.EncodeToString(hubMAC(nil, hubSHA256, usable[0].Secret, req.Body)))
	if id, _ := singleHeader(req.Header, "X-Webhook-Delivery"); id == "" {
		req.Header.Set("X-Webhook-Delivery", randomHex(16))
	}
	return nil
}
