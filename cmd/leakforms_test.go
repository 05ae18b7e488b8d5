package cmd_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// leakGram is the length of the runs a leakIndex looks for: any 12
// consecutive bytes of a secret, in any of its forms, count as a leak.
// Mask shows at most 5 and then 4 characters, apart, so a masked secret
// never matches; 12 random characters never occur by chance.
const leakGram = 12

// leakIndex finds secrets in output, files and process memory dumps in
// the forms a mistake would write them: as they are, JSON-escaped,
// URL-escaped, hex, base64 (standard and URL alphabets, at every
// alignment, so inside a longer encoded value too), their decoded bytes
// when they are themselves base64 or hex, and the private numbers of a
// PEM key in all of these; and not only whole: any leakGram-byte run of
// one of those forms is a hit, so a truncated or partly masked secret is
// found as well.
type leakIndex struct {
	grams map[string]string // leakGram-byte run → "secret (form)"
	short []leakNeedle      // forms shorter than leakGram, matched whole
}

type leakNeedle struct {
	name string
	b    []byte
}

// newLeakIndex indexes secrets (name → value). A run shared by two
// different secrets is structure (a JWT header, a PEM prefix, whsec_),
// not secret, and is left out.
func newLeakIndex(secrets map[string]string) *leakIndex {
	ix := &leakIndex{grams: map[string]string{}}
	owner := map[string]string{} // run → secret value that has it
	shared := map[string]bool{}
	names := make([]string, 0, len(secrets))
	for n := range secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		value := secrets[name]
		forms := leakForms(value)
		formNames := make([]string, 0, len(forms))
		for f := range forms {
			formNames = append(formNames, f)
		}
		// The first form with a run names it: the plainest first.
		sort.Slice(formNames, func(i, j int) bool {
			if (formNames[i] == "exact") != (formNames[j] == "exact") {
				return formNames[i] == "exact"
			}
			return formNames[i] < formNames[j]
		})
		for _, form := range formNames {
			b := forms[form]
			label := name + " (" + form + ")"
			if len(b) < leakGram || strings.HasPrefix(form, "whole ") {
				ix.short = append(ix.short, leakNeedle{label, b})
				continue
			}
			if form == "exact" {
				ix.short = append(ix.short, leakNeedle{label, b}) // also when every run is too plain
			}
			for i := 0; i+leakGram <= len(b); i++ {
				g := string(b[i : i+leakGram])
				if plain(g) {
					continue
				}
				if o, ok := owner[g]; ok && o != value {
					shared[g] = true
					continue
				}
				owner[g] = value
				if _, ok := ix.grams[g]; !ok {
					ix.grams[g] = label
				}
			}
		}
	}
	for g := range shared {
		delete(ix.grams, g)
	}
	return ix
}

// plain reports a run with fewer than 6 different bytes ("000000000000",
// "0000-4000-80" of a UUID made of zeros): ordinary output has those, and
// random secrets do not.
func plain(g string) bool {
	var seen [256]bool
	n := 0
	for i := 0; i < len(g); i++ {
		if !seen[g[i]] {
			seen[g[i]] = true
			n++
		}
	}
	return n < 6
}

// find returns the secrets (with the form) that occur in hay.
func (ix *leakIndex) find(hay []byte) []string {
	found := map[string]bool{}
	for i := 0; i+leakGram <= len(hay); i++ {
		if label, ok := ix.grams[string(hay[i:i+leakGram])]; ok {
			found[label] = true
		}
	}
	for _, n := range ix.short {
		if bytes.Contains(hay, n.b) {
			found[n.name] = true
		}
	}
	out := make([]string, 0, len(found))
	for l := range found {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// notSecret are store entries that hold public data or ids: scanning for
// them would flag `keys show` and every output naming a key id.
func notSecret(name string) bool {
	base, _, _ := strings.Cut(name, "~") // an earlier value of the entry
	for _, suffix := range []string{"/username", "/signing-key-id", "/verification-key"} {
		if strings.HasSuffix(base, suffix) {
			return true
		}
	}
	return strings.Contains(name, "token_url")
}

// leakForms are the byte strings value can leak as, by form name; a form
// named "whole ..." is matched whole, not by runs.
func leakForms(value string) map[string][]byte {
	forms := map[string][]byte{}
	if block, _ := pem.Decode([]byte(value)); block != nil {
		// A PEM key leaks through its private numbers. The PEM text itself
		// is matched whole only: a run of it may equally be the public key
		// that `keys show` prints.
		forms["whole PEM"] = []byte(value)
		forms["whole PEM, json"] = jsonEscaped(value)
		for i, m := range privateNumbers(block) {
			addBinaryForms(forms, "private number "+string(rune('a'+i)), m)
		}
		return forms
	}
	forms["exact"] = []byte(value)
	if j := jsonEscaped(value); !bytes.Equal(j, forms["exact"]) {
		forms["json"] = j
	}
	if j := bytes.ReplaceAll(jsonEscaped(value), []byte("/"), []byte(`\/`)); !bytes.Equal(j, forms["exact"]) {
		forms["json, slash escaped"] = j
	}
	if q := url.QueryEscape(value); q != value {
		forms["url-escaped"] = []byte(q)
	}
	addEncodedForms(forms, "", []byte(value))
	// A secret that is itself an encoding leaks through what it encodes.
	// Hex first: a hex string is valid base64 too, which would decode it
	// to bytes it never stood for.
	raw := strings.TrimPrefix(value, "whsec_")
	for _, dec := range []struct {
		name string
		fn   func(string) ([]byte, error)
	}{{"hex", hex.DecodeString}, {"base64", base64.StdEncoding.DecodeString}, {"base64", base64.RawStdEncoding.DecodeString},
		{"base64url", base64.URLEncoding.DecodeString}, {"base64url", base64.RawURLEncoding.DecodeString}} {
		if b, err := dec.fn(raw); err == nil && len(b) >= 16 {
			addBinaryForms(forms, "decoded "+dec.name, b)
			break
		}
	}
	return forms
}

// addBinaryForms adds b itself and its encodings under prefix.
func addBinaryForms(forms map[string][]byte, prefix string, b []byte) {
	forms[prefix+", raw"] = b
	addEncodedForms(forms, prefix+", ", b)
}

// addEncodedForms adds hex and base64 of b. Base64 of b inside a longer
// value depends on where b starts modulo 3; for each start the groups
// made of b's bytes alone are the same whatever surrounds them.
func addEncodedForms(forms map[string][]byte, prefix string, b []byte) {
	forms[prefix+"hex"] = []byte(hex.EncodeToString(b))
	forms[prefix+"HEX"] = []byte(strings.ToUpper(hex.EncodeToString(b)))
	for _, enc := range []struct {
		name string
		e    *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
		for k := 0; k < 3; k++ {
			s := enc.e.EncodeToString(append(make([]byte, k), b...))
			from, to := (k+2)/3*4, (k+len(b))/3*4
			if to-from >= 4 {
				forms[prefix+enc.name+" at offset "+string(rune('0'+k))] = []byte(s[from:to])
			}
		}
	}
}

func jsonEscaped(s string) []byte {
	b, _ := json.Marshal(s)
	return b[1 : len(b)-1]
}

// privateNumbers are the secret parts of a private key: the EC scalar,
// the RSA private exponent and primes, the Ed25519 seed.
func privateNumbers(block *pem.Block) [][]byte {
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		b, _ := k.Bytes()
		return [][]byte{b}
	case *rsa.PrivateKey:
		out := [][]byte{k.D.Bytes()}
		for _, p := range k.Primes {
			out = append(out, p.Bytes())
		}
		return out
	case ed25519.PrivateKey:
		return [][]byte{k.Seed()}
	}
	return nil
}

// TestLeakIndex: each form a secret can leak in is found, inside other
// text and at any alignment; a masked secret, the public half of a key
// and unrelated values are not.
func TestLeakIndex(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	pubDER, _ := x509.MarshalPKIXPublicKey(ec.Public())
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	scalar, _ := ec.Bytes()

	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw/+x="
	const short = "sandbox-api-key"
	const jwtHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	const zeros = "00000000-0000-4000-8000-000000000000"
	const hexSecret = "d0e41ce2a04b5d9e4bae320a4574fd68042535aa5fb4c51b94c298dc58670a1b"
	hexBytes, _ := hex.DecodeString(hexSecret)
	ix := newLeakIndex(map[string]string{"webhook": secret, "api-key": short, "signing-key": privPEM, "zeros": zeros, "hex-secret": hexSecret,
		"token1": jwtHeader + "eyJzdWIiOiIxIn0.c2lnbmF0dXJlIG9uZQ", "token2": jwtHeader + "eyJzdWIiOiIyIn0.c2lnbmF0dXJlIHR3bw"})
	decoded, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	found := []struct{ name, hay, want string }{
		{"exact", "secret: " + secret + "\n", "webhook (exact)"},
		{"JSON, HTML-escaped", `{"s":"` + strings.ReplaceAll(string(jsonEscaped(secret)), "+", `\u002b`) + `"}`, "webhook"},
		{"JSON, slash escaped", `{"s":"` + strings.ReplaceAll(secret, "/", `\/`) + `"}`, "webhook"},
		{"url-escaped", "?s=" + url.QueryEscape(secret), "webhook"},
		{"hex", "x" + hex.EncodeToString([]byte(secret)), "webhook (hex)"},
		{"base64", base64.StdEncoding.EncodeToString([]byte(secret)), "webhook (base64 at offset 0)"},
		{"base64 after 1 byte", base64.StdEncoding.EncodeToString([]byte("u" + secret)), "webhook (base64 at offset 1)"},
		{"base64 after 2 bytes", base64.RawURLEncoding.EncodeToString([]byte("u:" + secret)), "webhook (base64"},
		{"Basic auth", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("user:"+short)), "api-key"},
		{"truncated", "token " + secret[:20] + "...", "webhook (exact)"},
		{"tail", "…" + secret[len(secret)-14:], "webhook (exact)"},
		{"decoded bytes", "key=" + string(decoded), "webhook (decoded base64, raw)"},
		{"decoded as hex", hex.EncodeToString(decoded), "webhook (decoded base64, hex)"},
		{"hex secret's bytes", "k=" + base64.StdEncoding.EncodeToString(hexBytes), "hex-secret (decoded hex, base64"},
		{"short, exact", "key " + short, "api-key (exact)"},
		{"a plain secret, whole", "key=" + zeros + ";", "zeros (exact)"},
		{"a token's own part", "x eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "token1 (exact)"},
		{"PEM", privPEM, "signing-key (whole PEM)"},
		{"PEM in JSON", `{"k":"` + string(jsonEscaped(privPEM)) + `"}`, "signing-key (whole PEM, json)"},
		{"private scalar hex", hex.EncodeToString(scalar), "signing-key (private number a, hex)"},
		{"private scalar in DER", base64.StdEncoding.EncodeToString(der), "signing-key (private number a, base64"},
		{"PEM body line", strings.Split(privPEM, "\n")[1], "signing-key (private number a, base64"},
	}
	for _, tc := range found {
		got := strings.Join(ix.find([]byte(tc.hay)), "; ")
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: found %q, want %s", tc.name, got, tc.want)
		}
	}
	clean := []struct{ name, hay string }{
		{"masked", "secret whsec…LaSw and …ey"},
		{"public key", pubPEM},
		{"public key in JSON", `{"pem":"` + string(jsonEscaped(pubPEM)) + `"}`},
		{"structure two secrets share", jwtHeader + "eyJzdWIiOiJwdWJsaWMifQ.b3RoZXI"},
		{"unrelated", "sandbox-api 0123456789abcdef " + base64.StdEncoding.EncodeToString([]byte("sandbox-secret"))},
		{"plain runs of a plain secret", "id 00000000-0000-4000-8000-000000000001, 0000000000000000"},
		{"short run", secret[10:21]},
	}
	for _, tc := range clean {
		if got := ix.find([]byte(tc.hay)); len(got) != 0 {
			t.Errorf("%s: found %v in %q", tc.name, got, tc.hay)
		}
	}
}
