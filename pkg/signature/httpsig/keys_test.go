package httpsig_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParsePublicKeyForms feeds the same RFC 9421 keys in every encoding a
// provider might hand out and checks each yields the same key.
func TestParsePublicKeyForms(t *testing.T) {
	p256PEM := readFile(t, filepath.Join(vectorDir, "test-key-ecc-p256.pub.pem"))
	edPEM := readFile(t, filepath.Join(vectorDir, "test-key-ed25519.pub.pem"))
	pssPEM := readFile(t, filepath.Join(vectorDir, "test-key-rsa-pss.pub.pem"))
	p256, err := httpsig.ParsePublicKey(p256PEM)
	if err != nil {
		t.Fatal(err)
	}
	ed, err := httpsig.ParsePublicKey(edPEM)
	if err != nil {
		t.Fatal(err)
	}
	pss, err := httpsig.ParsePublicKey(pssPEM)
	if err != nil {
		t.Fatal(err)
	}
	type equaler interface{ Equal(x crypto.PublicKey) bool }
	cases := []struct {
		name string
		in   []byte
		want equaler
	}{
		{"PEM SPKI EC", p256PEM, p256.(*ecdsa.PublicKey)},
		{"base64 of PEM", []byte(base64.StdEncoding.EncodeToString(edPEM)), ed.(ed25519.PublicKey)},
		{"base64url of PEM, no padding", []byte(base64.RawURLEncoding.EncodeToString(p256PEM)), p256.(*ecdsa.PublicKey)},
		{"base64 DER SPKI", []byte("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ=="), p256.(*ecdsa.PublicKey)},
		{"base64 DER SPKI with line breaks", []byte("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf\nw0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==\n"), p256.(*ecdsa.PublicKey)},
		{"raw base64 Ed25519", []byte("JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs="), ed.(ed25519.PublicKey)},
		{"JWK EC", readFile(t, filepath.Join(vectorDir, "test-key-ecc-p256.jwk")), p256.(*ecdsa.PublicKey)},
		{"JWK OKP", readFile(t, filepath.Join(vectorDir, "test-key-ed25519.jwk")), ed.(ed25519.PublicKey)},
		{"JWK RSA", readFile(t, filepath.Join(vectorDir, "test-key-rsa-pss.jwk")), pss.(*rsa.PublicKey)},
		{"JWK Set of one", append(append([]byte(`{"keys":[`), readFile(t, filepath.Join(vectorDir, "test-key-ed25519.jwk"))...), ']', '}'), ed.(ed25519.PublicKey)},
		{"certificate", readFile(t, "testdata/test-key-ecc-p256.cert.pem"), p256.(*ecdsa.PublicKey)},
		{"private key PEM", readFile(t, filepath.Join(vectorDir, "test-key-ecc-p256.pem")), p256.(*ecdsa.PublicKey)},
		{"RSA PUBLIC KEY (PKCS#1)", readFile(t, filepath.Join(vectorDir, "test-key-rsa.pub.pem")), loadPrivate(t, "test-key-rsa.pem").Public().(*rsa.PublicKey)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := httpsig.ParsePublicKey(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want.Equal(got) {
				t.Fatalf("got a different key: %T", got)
			}
		})
	}
}

func TestParsePublicKeyRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":            "",
		"not a key":        "hello, world!",
		"base64 garbage":   "aGVsbG8gd29ybGQ=",
		"JWK bad kty":      `{"kty":"oct","k":"AAAA"}`,
		"JWK bad curve":    `{"kty":"EC","crv":"P-192","x":"AA","y":"AA"}`,
		"JWK off curve":    `{"kty":"EC","crv":"P-256","x":"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA","y":"Nc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0"}`,
		"JWK short RSA":    `{"kty":"RSA","n":"AQAB","e":"AQAB"}`,
		"JWK set of two":   `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"},{"kty":"OKP","crv":"Ed25519","x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"}]}`,
		"PEM no key":       "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n",
		"truncated PEM":    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLC\n-----END PUBLIC KEY-----\n",
		"JWK invalid json": `{"kty":`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := httpsig.ParsePublicKey([]byte(in)); !errors.Is(err, httpsig.ErrInvalidKey) {
				t.Fatalf("err = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func TestParsePrivateKeyForms(t *testing.T) {
	for _, f := range []string{"test-key-rsa.pem", "test-key-rsa-pss.pem", "test-key-ecc-p256.pem", "test-key-ed25519.pem"} {
		t.Run(f, func(t *testing.T) {
			raw := readFile(t, filepath.Join(vectorDir, f))
			k, err := httpsig.ParsePrivateKey(raw)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := httpsig.ParsePublicKey(readFile(t, filepath.Join(vectorDir, f[:len(f)-4]+".pub.pem")))
			if err != nil {
				t.Fatal(err)
			}
			if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
				t.Fatal("private key does not match its published public key")
			}
			k2, err := httpsig.ParsePrivateKey([]byte(base64.StdEncoding.EncodeToString(raw)))
			if err != nil {
				t.Fatalf("base64 of PEM: %v", err)
			}
			if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(k2.Public()) {
				t.Fatal("base64 form parsed to another key")
			}
		})
	}
	if _, err := httpsig.ParsePrivateKey([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")); !errors.Is(err, httpsig.ErrInvalidKey) {
		t.Fatalf("encrypted key: err = %v", err)
	}
	if _, err := httpsig.ParsePrivateKey(readFile(t, filepath.Join(vectorDir, "test-key-ecc-p256.pub.pem"))); !errors.Is(err, httpsig.ErrInvalidKey) {
		t.Fatalf("public key as private: err = %v", err)
	}
}
