package signature

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// StandardWebhooks is the Standard Webhooks scheme PEXA uses: webhook-id,
// webhook-timestamp and webhook-signature ("v1,<mac> ..."), HMAC-SHA256
// over id.timestamp.body.
//
// PEXA's documents disagree with the Standard Webhooks spec on two points,
// so Verify accepts both readings: the MAC may be hex (PEXA's AsyncAPI) or
// base64 (the spec), and the timestamp may be Unix seconds (the spec) or
// milliseconds (PEXA). The secret is base64-decoded only when it carries the
// spec's whsec_ prefix; PEXA's UUID-like secrets are used as raw bytes.
type StandardWebhooks struct{}

// Name implements Scheme.
func (StandardWebhooks) Name() string { return "standard-webhooks" }

// standardSignatureHeader is webhook-signature, canonical.
const standardSignatureHeader = "Webhook-Signature"

// Detect implements Scheme.
func (StandardWebhooks) Detect(h http.Header) bool {
	return hasHeader(h, standardSignatureHeader)
}

// msTimestampThreshold separates millisecond from second timestamps:
// 1e12 seconds is the year 33658, 1e12 milliseconds is September 2001.
const msTimestampThreshold = 1_000_000_000_000

// standardKey turns a stored secret into HMAC key bytes.
func standardKey(secret []byte) ([]byte, string, bool) {
	s := string(secret)
	if rest, ok := strings.CutPrefix(s, "whsec_"); ok {
		k, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			if k, err = base64.RawStdEncoding.DecodeString(rest); err != nil {
				return nil, "whsec_ secret is not valid base64", false
			}
		}
		return k, "base64", true
	}
	return secret, "hex", true
}

// standardMAC appends the MAC to dst.
func standardMAC(dst, key []byte, id, ts string, body []byte) []byte {
	return macOf(dst, hashSHA256, sha256.New, key, body, id, ".", ts, ".")
}

// Verify implements Scheme.
func (s StandardWebhooks) Verify(req *Request, keys []Key, opts Options) Result {
	r := newResult(s.Name())
	id, ts, sigLines, ok := standardHeaders(&r, req.Header)
	if !ok {
		return r.finish()
	}
	r.ID = id
	// Room for the usual one or two entries, kept on the stack.
	var sigBuf [2][]byte
	var encBuf [2]string
	sigs, encodings, skipped := standardV1Signatures(sigBuf[:0], encBuf[:0], sigLines)
	detail := "webhook-id " + strconv.Quote(id) + ", " + strconv.Itoa(len(sigs)) + " v1 signature(s)"
	if skipped > 0 {
		detail += ", ignored " + strconv.Itoa(skipped) + " other-version or undecodable entries"
	}
	if len(sigs) == 0 {
		r.fail(StepHeaders, "webhook-signature has no decodable v1 entry")
		return r.finish()
	}
	r.ok(StepHeaders, detail)

	var t time.Time
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n <= 0 {
		r.fail(StepTimestamp, "webhook-timestamp "+strconv.Quote(ts)+" is not a positive Unix time")
	} else {
		if n > msTimestampThreshold {
			t = time.UnixMilli(n)
		} else {
			t = time.Unix(n, 0)
		}
		checkSkew(&r, t, opts)
	}

	tryV1Keys(&r, keys, opts.now(), len(sigs), encodings, "body/id/timestamp", func(k Key) (int, string) {
		hk, _, ok := standardKey(k.Secret)
		if !ok {
			return -1, "whsec_ secret is not valid base64; skipped"
		}
		return matchMAC(sigs, hashSHA256, sha256.New, hk, req.Body, id, ".", ts, "."), ""
	})
	return r.finishSigned(t, req.Body, id, ts)
}

// standardHeaders reads webhook-id, webhook-timestamp and the
// webhook-signature lines; ok is false, with the headers step failed,
// when one is missing, the id or timestamp appears twice, or the id is
// empty.
func standardHeaders(r *Result, h http.Header) (id, ts string, sigLines []string, ok bool) {
	id, idN := singleHeader(h, "Webhook-Id")
	ts, tsN := singleHeader(h, "Webhook-Timestamp")
	sigLines = headerValues(h, standardSignatureHeader)
	switch {
	case idN == 0 || tsN == 0 || len(sigLines) == 0:
		var missing []string
		for _, n := range []struct {
			name string
			ok   bool
		}{{"webhook-id", idN > 0}, {"webhook-timestamp", tsN > 0}, {"webhook-signature", len(sigLines) > 0}} {
			if !n.ok {
				missing = append(missing, n.name)
			}
		}
		r.fail(StepHeaders, "missing "+strings.Join(missing, ", "))
		return "", "", nil, false
	case idN > 1:
		r.fail(StepHeaders, "webhook-id appears "+strconv.Itoa(idN)+" times; it must appear once")
		return "", "", nil, false
	case tsN > 1:
		r.fail(StepHeaders, "webhook-timestamp appears "+strconv.Itoa(tsN)+" times; it must appear once")
		return "", "", nil, false
	case id == "":
		r.fail(StepHeaders, "webhook-id is empty")
		return "", "", nil, false
	}
	return id, ts, sigLines, true
}

// standardV1Signatures decodes the v1 entries of the webhook-signature
// lines: several lines are one space-separated list split by an
// intermediary, and every entry still has to verify on its own. skipped
// counts entries of another version or that do not decode. The entries
// are appended to sigs and encodings.
func standardV1Signatures(sigs [][]byte, encodings []string, sigLines []string) ([][]byte, []string, int) {
	skipped := 0
	for _, line := range sigLines {
		for _, entry := range strings.Fields(line) {
			version, value, ok := strings.Cut(entry, ",")
			if !ok || version != "v1" {
				skipped++
				continue
			}
			mac, enc, ok := decodeSig(nil, value, sha256.Size)
			if !ok {
				skipped++
				continue
			}
			sigs = append(sigs, mac)
			encodings = append(encodings, enc)
		}
	}
	return sigs, encodings, skipped
}

// Sign implements Scheme: webhook-id is kept if set (it is stable across
// retries) or generated, webhook-timestamp is now in seconds, and each
// usable key adds one v1 entry, base64 for whsec_ secrets and hex for raw
// secrets (PEXA's form).
func (s StandardWebhooks) Sign(req *Request, keys []Key, now time.Time) error {
	usable := usableSigningKeys(keys, now, true)
	if len(usable) == 0 {
		return ErrNoSigningKey
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	id, _ := singleHeader(req.Header, "Webhook-Id")
	if id == "" {
		id = "msg_" + randomHex(16)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	entries := make([]string, 0, len(usable))
	for _, k := range usable {
		hk, enc, ok := standardKey(k.Secret)
		if !ok {
			return &schemeError{err: ErrNoSigningKey, msg: "key " + strconv.Quote(k.Name) + ": whsec_ secret is not valid base64"}
		}
		mac := standardMAC(nil, hk, id, ts, req.Body)
		if enc == "base64" {
			entries = append(entries, "v1,"+base64.StdEncoding.EncodeToString(mac))
		} else {
			entries = append(entries, "v1,"+hex.EncodeToString(mac))
		}
	}
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", strings.Join(entries, " "))
	return nil
}
