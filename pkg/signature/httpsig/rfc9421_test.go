package httpsig_test

import (
	"bufio"
	"bytes"
	"crypto"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

const vectorDir = "testdata/rfc9421"

type vector struct {
	file, message, key, alg, sigInput, signature string
	base                                         string
}

func readVector(t *testing.T, name string) vector {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	head, base, ok := strings.Cut(string(raw), "base:\n")
	if !ok {
		t.Fatalf("%s: no base section", name)
	}
	v := vector{file: name, base: strings.TrimSuffix(base, "\n")}
	for _, line := range strings.Split(head, "\n") {
		k, val, ok := strings.Cut(line, ": ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		switch k {
		case "message":
			v.message = val
		case "key":
			v.key = val
		case "alg":
			v.alg = val
		case "signature-input":
			v.sigInput = val
		case "signature":
			v.signature = val
		}
	}
	return v
}

// loadMessage reads a test message, request or response, as an RFC 9421
// Message. Requests are taken to have been sent over https.
func loadMessage(t *testing.T, name string) (*httpsig.Message, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	if bytes.HasPrefix(raw, []byte("HTTP/")) {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp.Body)
		return httpsig.NewResponseMessage(resp), body
	}
	req, err := http.ReadRequest(br)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, req.Body)
	m := httpsig.NewRequestMessage(req)
	m.URL.Scheme = "https"
	return m, body
}

func readAll(t *testing.T, r interface{ Read([]byte) (int, error) }) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := b.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func loadKey(t *testing.T, name string) any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".b64") {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k, err := httpsig.ParsePublicKey(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k
}

func loadPrivate(t *testing.T, name string) crypto.Signer {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	k, err := httpsig.ParsePrivateKey(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k
}

var vectorFiles = []string{"b2_1.txt", "b2_2.txt", "b2_3.txt", "b2_4.txt", "b2_5.txt", "b2_6.txt", "b3_proxy.txt", "b4_transform.txt"}

// TestRFC9421Vectors rebuilds each published signature base byte for byte
// and verifies each published signature with the published public key
// (RSA-PSS and ECDSA are randomised, but their published values still
// verify), then checks that a one-bit change is refused.
func TestRFC9421Vectors(t *testing.T) {
	for _, f := range vectorFiles {
		t.Run(f, func(t *testing.T) {
			v := readVector(t, f)
			m, _ := loadMessage(t, v.message)
			m.Header.Set("Signature-Input", v.sigInput)
			m.Header.Set("Signature", v.signature)
			sigs, err := httpsig.ParseSignatures(m.Header)
			if err != nil {
				t.Fatal(err)
			}
			if len(sigs) != 1 {
				t.Fatalf("got %d signatures, want 1", len(sigs))
			}
			s := sigs[0]
			base, err := s.Base(m)
			if err != nil {
				t.Fatal(err)
			}
			if string(base) != v.base {
				t.Fatalf("signature base mismatch\n got: %q\nwant: %q", base, v.base)
			}

			// The signing path must serialise the same parameters the same
			// way when given the parsed components and parameters.
			base2, sigParams, err := httpsig.SignatureBase(m, s.Components, s.Params)
			if err != nil {
				t.Fatal(err)
			}
			if string(base2) != v.base {
				t.Fatalf("SignatureBase mismatch\n got: %q\nwant: %q", base2, v.base)
			}
			if want := strings.SplitN(v.sigInput, "=", 2)[1]; sigParams != want {
				t.Fatalf("sigParams = %q, want %q", sigParams, want)
			}

			key := loadKey(t, v.key)
			alg, err := s.ResolveAlgorithm(key, v.alg)
			if err != nil {
				t.Fatal(err)
			}
			if alg != v.alg {
				t.Fatalf("alg = %q, want %q", alg, v.alg)
			}
			if err := httpsig.VerifyBase(alg, key, base, s.Value); err != nil {
				t.Fatalf("published signature does not verify: %v", err)
			}
			bad := bytes.Clone(s.Value)
			bad[len(bad)/2] ^= 0x01
			if err := httpsig.VerifyBase(alg, key, base, bad); !errors.Is(err, httpsig.ErrSignatureMismatch) {
				t.Fatalf("tampered signature: err = %v, want ErrSignatureMismatch", err)
			}
			tamperedBase := append(bytes.Clone(base[:len(base)-1]), base[len(base)-1]^1)
			if err := httpsig.VerifyBase(alg, key, tamperedBase, s.Value); !errors.Is(err, httpsig.ErrSignatureMismatch) {
				t.Fatalf("tampered base: err = %v, want ErrSignatureMismatch", err)
			}
		})
	}
}

// TestRFC9421DeterministicSignatures reproduces the published B.2.5
// (hmac-sha256) and B.2.6 (ed25519) signatures exactly, through the full
// Sign path, Signature-Input serialisation included.
func TestRFC9421DeterministicSignatures(t *testing.T) {
	cases := []struct {
		file, label, privKey string
	}{
		{"b2_5.txt", "sig-b25", "test-shared-secret.b64"},
		{"b2_6.txt", "sig-b26", "test-key-ed25519.pem"},
		{"b4_transform.txt", "transform", "test-key-ed25519.pem"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			v := readVector(t, tc.file)
			m, _ := loadMessage(t, v.message)
			var key any
			if strings.HasSuffix(tc.privKey, ".b64") {
				key = loadKey(t, tc.privKey)
			} else {
				key = loadPrivate(t, tc.privKey)
			}
			h := http.Header{}
			h.Set("Signature-Input", v.sigInput)
			h.Set("Signature", v.signature)
			sigs, err := httpsig.ParseSignatures(h)
			if err != nil {
				t.Fatal(err)
			}
			in, sig, err := httpsig.Sign(m, tc.label, sigs[0].Components, sigs[0].Params, key)
			if err != nil {
				t.Fatal(err)
			}
			if in != v.sigInput {
				t.Errorf("Signature-Input = %q\nwant %q", in, v.sigInput)
			}
			if sig != v.signature {
				t.Errorf("Signature = %q\nwant %q", sig, v.signature)
			}
		})
	}
}

// TestRFC9421SignThenVerify signs each Appendix B base again with the
// private keys of B.1 and verifies the result with the public keys, for
// every algorithm including rsa-v1_5-sha256 (test-key-rsa).
func TestRFC9421SignThenVerify(t *testing.T) {
	cases := []struct {
		alg, priv, pub string
	}{
		{httpsig.AlgRSAPSSSHA512, "test-key-rsa-pss.pem", "test-key-rsa-pss.pub.pem"},
		{httpsig.AlgRSAV15SHA256, "test-key-rsa.pem", "test-key-rsa.pub.pem"},
		{httpsig.AlgECDSAP256SHA256, "test-key-ecc-p256.pem", "test-key-ecc-p256.pub.pem"},
		{httpsig.AlgEd25519, "test-key-ed25519.pem", "test-key-ed25519.pub.pem"},
		{httpsig.AlgHMACSHA256, "test-shared-secret.b64", "test-shared-secret.b64"},
	}
	v := readVector(t, "b2_3.txt")
	for _, tc := range cases {
		t.Run(tc.alg, func(t *testing.T) {
			var priv any
			if strings.HasSuffix(tc.priv, ".b64") {
				priv = loadKey(t, tc.priv)
			} else {
				priv = loadPrivate(t, tc.priv)
			}
			pub := loadKey(t, tc.pub)
			sig, err := httpsig.SignBase(tc.alg, priv, []byte(v.base))
			if err != nil {
				t.Fatal(err)
			}
			if err := httpsig.VerifyBase(tc.alg, pub, []byte(v.base), sig); err != nil {
				t.Fatalf("verify own signature: %v", err)
			}
			if err := httpsig.VerifyBase(tc.alg, pub, []byte(v.base+" "), sig); !errors.Is(err, httpsig.ErrSignatureMismatch) {
				t.Fatalf("changed base: err = %v, want ErrSignatureMismatch", err)
			}
		})
	}
}

func TestECDSASignatureIsRawFixedWidth(t *testing.T) {
	priv := loadPrivate(t, "test-key-ecc-p256.pem")
	for range 20 {
		sig, err := httpsig.SignBase(httpsig.AlgECDSAP256SHA256, priv, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 64 {
			t.Fatalf("ecdsa-p256-sha256 signature is %d bytes, want 64 (r||s)", len(sig))
		}
	}
}

// TestRFC9530ContentDigest checks the digests of {"hello": "world"}
// published in RFC 9530 and as the Content-Digest of RFC 9421's
// test-request, and of the RFC 9421 test-response body.
func TestRFC9530ContentDigest(t *testing.T) {
	body := []byte(`{"hello": "world"}`)
	if got, want := httpsig.ContentDigest(body, "sha-256"), "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"; got != want {
		t.Errorf("sha-256: got %q want %q", got, want)
	}
	if got, want := httpsig.ContentDigest(body, "sha-512"), "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"; got != want {
		t.Errorf("sha-512: got %q want %q", got, want)
	}
	if got := httpsig.ContentDigest(body, "md5"); got != "" {
		t.Errorf("unsupported algorithm: got %q, want empty", got)
	}
	resp := []byte(`{"message": "good dog"}`)
	if got, want := httpsig.ContentDigest(resp, "sha-512"), "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:"; got != want {
		t.Errorf("response sha-512: got %q want %q", got, want)
	}
	// RFC 9530 §2 prints this sha-512 digest; it is that of the body with
	// a trailing newline, which makes it a useful "one byte differs" case.
	rfc9530Sec2 := "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:"
	if err := httpsig.CheckContentDigest(rfc9530Sec2, []byte("{\"hello\": \"world\"}\n")); err != nil {
		t.Errorf("RFC 9530 §2 digest: %v", err)
	}
	if err := httpsig.CheckContentDigest(rfc9530Sec2, body); !errors.Is(err, httpsig.ErrDigestMismatch) {
		t.Errorf("RFC 9530 §2 digest against body without newline: err = %v, want ErrDigestMismatch", err)
	}
}

func TestCheckContentDigest(t *testing.T) {
	body := []byte(`{"hello": "world"}`)
	s256 := "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
	s512 := "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
	cases := []struct {
		name, header string
		body         []byte
		want         error
	}{
		{"sha-256", s256, body, nil},
		{"sha-512", s512, body, nil},
		{"both", s256 + ", " + s512, body, nil},
		{"unknown plus known", "md5=:AAAA:, " + s256, body, nil},
		{"unknown only", "md5=:AAAA:, unixsum=:AAAA:", body, httpsig.ErrUnsupportedDigest},
		{"mismatch", s256, []byte(`{"hello": "World"}`), httpsig.ErrDigestMismatch},
		{"one of two wrong", s256 + ", sha-512=:AAAA:", body, httpsig.ErrDigestMismatch},
		{"not a byte sequence", `sha-256="abc"`, body, httpsig.ErrMalformed},
		{"garbage", "sha-256=:", body, httpsig.ErrMalformed},
		{"empty", "", body, httpsig.ErrUnsupportedDigest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := httpsig.CheckContentDigest(tc.header, tc.body)
			if tc.want == nil && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
