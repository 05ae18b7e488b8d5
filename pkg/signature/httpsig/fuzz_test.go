package httpsig_test

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

// FuzzParseSignatures: arbitrary Signature-Input/Signature values must
// parse or fail with ErrMalformed/ErrNoSignature, never panic, and a parsed
// signature must rebuild a base (or fail cleanly) over a fixed message.
func FuzzParseSignatures(f *testing.F) {
	for _, file := range vectorFiles {
		raw := readVectorF(f, file)
		f.Add(raw[0], raw[1])
	}
	f.Add(`s=("@method" "@query-param";name="a" "x";key="k" "y";sf "z";bs);created=1;expires=2`, `s=:AAAA:`)
	f.Add(`s=();created=-1`, `s=:`)
	f.Add(`a=("@status";req), b=("x";tr)`, `a=:AA==:, b=:AA==:`)
	m := &httpsig.Message{
		Method: "POST", URL: &url.URL{Scheme: "https", Host: "example.com", Path: "/foo", RawQuery: "a=1&b=%20"},
		Header: http.Header{"X": {"1"}, "Y": {"a=1, b"}, "Z": {"v"}, "Content-Type": {"application/json"}},
	}
	f.Fuzz(func(t *testing.T, input, sig string) {
		h := http.Header{}
		h.Set("Signature-Input", input)
		h.Set("Signature", sig)
		sigs, err := httpsig.ParseSignatures(h)
		if err != nil {
			if !errors.Is(err, httpsig.ErrMalformed) && !errors.Is(err, httpsig.ErrNoSignature) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		for i := range sigs {
			base, err := sigs[i].Base(m)
			if err != nil {
				continue
			}
			if !strings.HasSuffix(string(base), `"@signature-params": `+sigs[i].SigParams()) {
				t.Fatalf("base does not end with @signature-params: %q", base)
			}
			_ = httpsig.VerifyBase(httpsig.AlgHMACSHA256, []byte("k"), base, sigs[i].Value)
		}
	})
}

func readVectorF(f *testing.F, name string) [2]string {
	raw, err := readTestFile(name)
	if err != nil {
		f.Fatal(err)
	}
	var in, sig string
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "signature-input: "); ok {
			in = v
		}
		if v, ok := strings.CutPrefix(line, "signature: "); ok {
			sig = v
		}
	}
	return [2]string{in, sig}
}

func readTestFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(vectorDir, name))
}

// FuzzParseComponent: component identifiers never panic and a parsed one
// re-serialises to something that parses back to the same identifier.
func FuzzParseComponent(f *testing.F) {
	for _, s := range []string{"@method", `"@query-param";name="Pet"`, `"example-dict";key="a";req`, `"x";bs;tr`, `"x";sf`, "Content-Type", `"@status"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		c, err := httpsig.ParseComponent(id)
		if err != nil {
			return
		}
		s, err := c.Identifier()
		if err != nil {
			t.Fatalf("parsed component %q does not serialise: %v", id, err)
		}
		c2, err := httpsig.ParseComponent(s)
		if err != nil {
			t.Fatalf("serialised %q does not parse: %v", s, err)
		}
		if c2.String() != s {
			t.Fatalf("round trip %q -> %q", s, c2.String())
		}
	})
}

// FuzzParsePublicKey: key parsing never panics and only ever returns
// ErrInvalidKey on failure.
func FuzzParsePublicKey(f *testing.F) {
	for _, name := range []string{"test-key-ecc-p256.pub.pem", "test-key-ed25519.pub.pem", "test-key-rsa-pss.pub.pem", "test-key-rsa.pub.pem", "test-key-ecc-p256.jwk", "test-key-ed25519.jwk", "test-key-rsa-pss.jwk", "test-key-ecc-p256.pem"} {
		raw, err := readTestFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ=="))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := httpsig.ParsePublicKey(data)
		if err != nil {
			if !errors.Is(err, httpsig.ErrInvalidKey) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if k == nil {
			t.Fatal("nil key without error")
		}
		_, _ = httpsig.AlgorithmForKey(k)
		_, _ = httpsig.ParsePrivateKey(data)
	})
}

// FuzzCheckContentDigest never panics and reports only the documented
// error classes.
func FuzzCheckContentDigest(f *testing.F) {
	f.Add("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", []byte(`{"hello": "world"}`))
	f.Add("sha-512=:AAAA:, md5=:AA==:", []byte(""))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := httpsig.CheckContentDigest(header, body)
		if err != nil && !errors.Is(err, httpsig.ErrMalformed) && !errors.Is(err, httpsig.ErrDigestMismatch) && !errors.Is(err, httpsig.ErrUnsupportedDigest) {
			t.Fatalf("unexpected error class: %v", err)
		}
	})
}
