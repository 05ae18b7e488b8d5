package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Solvimon is Solvimon's payload signature: X-PAYLOAD-SIGNATURE-TIMESTAMP
// (ISO 8601 time of signing) and X-PAYLOAD-SIGNATURE (comma-separated
// "v1=<hex>" pairs, two during a secret roll), HMAC-SHA256 keyed with the
// webhook's secret_key string over "{timestamp}.{payload}", the timestamp
// taken verbatim from its header.
//
// Solvimon's example MAC is upper-case hex, so hex is compared
// case-insensitively (by decoding); base64 is accepted as well, and the
// timestamp may also be Unix seconds, because the format is only documented
// by example.
type Solvimon struct{}

// Name implements Scheme.
func (Solvimon) Name() string { return "solvimon" }

const (
	solvimonTimestampHeader = "X-Payload-Signature-Timestamp"
	solvimonSignatureHeader = "X-Payload-Signature"
)

// Detect implements Scheme.
func (Solvimon) Detect(h http.Header) bool {
	return hasHeader(h, solvimonSignatureHeader)
}

// solvimonTimeLayouts are the ISO 8601 shapes seen in practice, most
// likely first.
var solvimonTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// parseSolvimonTime reads the timestamp header: ISO 8601 / RFC 3339
// (without a zone it is taken as UTC), or Unix seconds/milliseconds.
func parseSolvimonTime(s string) (time.Time, bool) {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return time.Time{}, false
		}
		if n > msTimestampThreshold {
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	for _, layout := range solvimonTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// solvimonMAC appends the MAC to dst.
func solvimonMAC(dst, secret []byte, ts string, body []byte) []byte {
	return macOf(dst, hashSHA256, sha256.New, secret, body, ts, ".")
}

// Verify implements Scheme.
func (s Solvimon) Verify(req *Request, keys []Key, opts Options) Result {
	r := newResult(s.Name())
	ts, tsN := singleHeader(req.Header, solvimonTimestampHeader)
	sigLines := headerValues(req.Header, solvimonSignatureHeader)
	switch {
	case tsN == 0 && len(sigLines) == 0:
		r.fail(StepHeaders, "missing X-PAYLOAD-SIGNATURE-TIMESTAMP, X-PAYLOAD-SIGNATURE")
		return r.finish()
	case tsN == 0:
		r.fail(StepHeaders, "missing X-PAYLOAD-SIGNATURE-TIMESTAMP")
		return r.finish()
	case len(sigLines) == 0:
		r.fail(StepHeaders, "missing X-PAYLOAD-SIGNATURE")
		return r.finish()
	case tsN > 1:
		r.fail(StepHeaders, "X-PAYLOAD-SIGNATURE-TIMESTAMP appears "+strconv.Itoa(tsN)+" times; it must appear once")
		return r.finish()
	}

	// Room for two signatures (a secret roll), the usual most, in one
	// allocation (macBuf: its slices are appended to sigs, so it escapes).
	var sigBuf [2][]byte
	var encBuf [2]string
	var macBuf [2 * sha256.Size]byte
	sigs, encodings, free := sigBuf[:0], encBuf[:0], macBuf[:0]
	skipped := 0
	for _, line := range sigLines {
		for rest, more := line, true; more; {
			var pair string
			pair, rest, more = strings.Cut(rest, ",")
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			version, value, ok := strings.Cut(pair, "=")
			if !ok || strings.TrimSpace(version) != "v1" {
				skipped++
				continue
			}
			mac, enc, ok := decodeSig(free, strings.TrimSpace(value), sha256.Size)
			if !ok {
				skipped++
				continue
			}
			free = mac[len(mac):]
			sigs = append(sigs, mac)
			encodings = append(encodings, enc)
		}
	}
	if len(sigs) == 0 {
		r.fail(StepHeaders, "X-PAYLOAD-SIGNATURE has no decodable v1=<mac> pair")
		return r.finish()
	}
	detail := strconv.Itoa(len(sigs)) + " v1 signature(s)"
	if skipped > 0 {
		detail += ", ignored " + strconv.Itoa(skipped) + " other-version or undecodable pairs"
	}
	r.ok(StepHeaders, detail)

	t, ok := parseSolvimonTime(ts)
	if ok {
		checkSkew(&r, t, opts)
	} else {
		r.fail(StepTimestamp, "X-PAYLOAD-SIGNATURE-TIMESTAMP "+strconv.Quote(ts)+" is not an ISO 8601 time")
	}

	tryV1Keys(&r, keys, opts.now(), len(sigs), encodings, "body/timestamp", func(k Key) (int, string) {
		return matchMAC(sigs, hashSHA256, sha256.New, k.Secret, req.Body, ts, "."), ""
	})
	return r.finishSigned(t, req.Body, ts)
}

// Sign implements Scheme: timestamp now in RFC 3339 UTC, one upper-case
// hex "v1=" pair per usable key, as Solvimon sends during a secret roll.
func (s Solvimon) Sign(req *Request, keys []Key, now time.Time) error {
	usable := usableSigningKeys(keys, now, true)
	if len(usable) == 0 {
		return ErrNoSigningKey
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	ts := now.UTC().Format(time.RFC3339)
	pairs := make([]string, 0, len(usable))
	for _, k := range usable {
		pairs = append(pairs, "v1="+strings.ToUpper(hex.EncodeToString(solvimonMAC(nil, k.Secret, ts, req.Body))))
	}
	req.Header.Set(solvimonTimestampHeader, ts)
	req.Header.Set(solvimonSignatureHeader, strings.Join(pairs, ","))
	return nil
}
