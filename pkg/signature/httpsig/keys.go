package httpsig

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
)

// maxKeyInput bounds key input: real keys are a few KiB at most, and the
// parser must not be a way to burn memory or CPU.
const maxKeyInput = 64 << 10

// ParsePublicKey reads a public key in any of the forms providers hand out:
// PEM (PUBLIC KEY / RSA PUBLIC KEY / CERTIFICATE, or a private key whose
// public half is wanted), base64 of PEM (OffBlocks documents its
// verification key as "base64-encoded"), base64 of DER SubjectPublicKeyInfo
// or PKCS#1, base64 of a raw 32-byte Ed25519 key, and JWK (EC, RSA, OKP; a
// JWK Set with exactly one key is accepted too).
func ParsePublicKey(data []byte) (crypto.PublicKey, error) {
	return parsePublic(data, 0)
}

func parsePublic(data []byte, depth int) (crypto.PublicKey, error) {
	if len(data) > maxKeyInput {
		return nil, errorf(ErrInvalidKey, "key input larger than 64 KiB")
	}
	if depth > 2 {
		return nil, errorf(ErrInvalidKey, "too many layers of encoding")
	}
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return nil, errorf(ErrInvalidKey, "empty key")
	}
	switch {
	case bytes.HasPrefix(t, []byte("-----BEGIN")):
		return publicFromPEM(t)
	case t[0] == '{':
		return publicFromJWK(t)
	}
	if der, ok := decodeBase64(t); ok {
		if bytes.HasPrefix(bytes.TrimSpace(der), []byte("-----BEGIN")) || bytes.HasPrefix(bytes.TrimSpace(der), []byte("{")) {
			return parsePublic(der, depth+1)
		}
		if len(der) == ed25519.PublicKeySize {
			return ed25519.PublicKey(der), nil
		}
		return publicFromDER(der)
	}
	// Binary DER read straight from a file.
	return publicFromDER(t)
}

func publicFromPEM(data []byte) (crypto.PublicKey, error) {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errorf(ErrInvalidKey, "no PEM block holding a public key")
		}
		switch block.Type {
		case "PUBLIC KEY":
			return publicFromPKIX(block.Bytes)
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(block.Bytes)
			if err != nil {
				return nil, errorf(ErrInvalidKey, "RSA PUBLIC KEY: "+err.Error())
			}
			return k, nil
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, errorf(ErrInvalidKey, "CERTIFICATE: "+err.Error())
			}
			return c.PublicKey, nil
		case "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY":
			k, err := privateFromBlock(block)
			if err != nil {
				return nil, err
			}
			return k.Public(), nil
		}
	}
}

func publicFromPKIX(der []byte) (crypto.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errorf(ErrInvalidKey, "SubjectPublicKeyInfo: "+err.Error())
	}
	switch k.(type) {
	case *ecdsa.PublicKey, ed25519.PublicKey, *rsa.PublicKey:
		return k, nil
	}
	return nil, errorf(ErrInvalidKey, "unsupported public key type")
}

func publicFromDER(der []byte) (crypto.PublicKey, error) {
	if k, err := publicFromPKIX(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	if c, err := x509.ParseCertificate(der); err == nil {
		return c.PublicKey, nil
	}
	return nil, errorf(ErrInvalidKey, "not PEM, JWK, or DER SubjectPublicKeyInfo / PKCS#1 / certificate")
}

// decodeBase64 accepts standard and URL alphabets, padded or not, with line
// breaks, because keys get pasted from web consoles in every variant.
func decodeBase64(s []byte) ([]byte, bool) {
	clean := make([]byte, 0, len(s))
	for _, c := range s {
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
		case ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '+' || c == '/' || c == '-' || c == '_' || c == '=':
			clean = append(clean, c)
		default:
			return nil, false
		}
	}
	str := strings.TrimRight(string(clean), "=")
	str = strings.NewReplacer("-", "+", "_", "/").Replace(str)
	b, err := base64.RawStdEncoding.DecodeString(str)
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return b, true
}

type jwk struct {
	Kty  string `json:"kty"`
	Crv  string `json:"crv"`
	X    string `json:"x"`
	Y    string `json:"y"`
	N    string `json:"n"`
	E    string `json:"e"`
	Keys []jwk  `json:"keys"`
}

func b64url(field, s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return nil, errorf(ErrInvalidKey, "JWK "+field+" is not base64url")
	}
	return b, nil
}

func publicFromJWK(data []byte) (crypto.PublicKey, error) {
	var k jwk
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, errorf(ErrInvalidKey, "JWK: "+err.Error())
	}
	if k.Kty == "" && len(k.Keys) > 0 {
		if len(k.Keys) != 1 {
			return nil, errorf(ErrInvalidKey, "JWK Set holds several keys; pick one")
		}
		k = k.Keys[0]
	}
	switch k.Kty {
	case "EC":
		var curve elliptic.Curve
		var size int
		switch k.Crv {
		case "P-256":
			curve, size = elliptic.P256(), 32
		case "P-384":
			curve, size = elliptic.P384(), 48
		case "P-521":
			curve, size = elliptic.P521(), 66
		default:
			return nil, errorf(ErrInvalidKey, "JWK EC curve "+quote(k.Crv)+" not supported")
		}
		x, err := b64url("x", k.X)
		if err != nil {
			return nil, err
		}
		y, err := b64url("y", k.Y)
		if err != nil {
			return nil, err
		}
		if len(x) != size || len(y) != size {
			return nil, errorf(ErrInvalidKey, "JWK EC coordinates have the wrong length for "+k.Crv)
		}
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, errorf(ErrInvalidKey, "JWK EC point: "+err.Error())
		}
		return pub, nil
	case "RSA":
		n, err := b64url("n", k.N)
		if err != nil {
			return nil, err
		}
		e, err := b64url("e", k.E)
		if err != nil {
			return nil, err
		}
		if len(e) > 4 {
			return nil, errorf(ErrInvalidKey, "JWK RSA exponent too large")
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		if exp < 3 || exp%2 == 0 {
			return nil, errorf(ErrInvalidKey, "JWK RSA exponent invalid")
		}
		if len(n) < 128 {
			return nil, errorf(ErrInvalidKey, "JWK RSA modulus shorter than 1024 bits")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
	case "OKP":
		if k.Crv != "Ed25519" {
			return nil, errorf(ErrInvalidKey, "JWK OKP curve "+quote(k.Crv)+" not supported")
		}
		x, err := b64url("x", k.X)
		if err != nil {
			return nil, err
		}
		if len(x) != ed25519.PublicKeySize {
			return nil, errorf(ErrInvalidKey, "JWK Ed25519 key must be 32 bytes")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, errorf(ErrInvalidKey, "JWK kty "+quote(k.Kty)+" not supported")
}

// ParsePrivateKey reads a PEM private key: PKCS#8 ("PRIVATE KEY", including
// RSASSA-PSS-restricted RSA keys such as RFC 9421's test-key-rsa-pss), SEC 1
// ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"). Base64 of such a PEM is
// accepted too, as environment variables often carry it that way.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	if len(data) > maxKeyInput {
		return nil, errorf(ErrInvalidKey, "key input larger than 64 KiB")
	}
	t := bytes.TrimSpace(data)
	if !bytes.HasPrefix(t, []byte("-----BEGIN")) {
		if dec, ok := decodeBase64(t); ok && bytes.HasPrefix(bytes.TrimSpace(dec), []byte("-----BEGIN")) {
			t = bytes.TrimSpace(dec)
		}
	}
	for rest := t; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errorf(ErrInvalidKey, "no PEM block holding a private key")
		}
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return privateFromBlock(block)
		}
	}
}

func privateFromBlock(block *pem.Block) (crypto.Signer, error) {
	if _, encrypted := block.Headers["Proc-Type"]; encrypted || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errorf(ErrInvalidKey, "encrypted private keys are not supported; decrypt it first")
	}
	var (
		k   any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			k, err = parsePSSPKCS8(block.Bytes, err)
		}
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, errorf(ErrInvalidKey, "unsupported PEM type "+quote(block.Type))
	}
	if err != nil {
		return nil, errorf(ErrInvalidKey, block.Type+": "+err.Error())
	}
	switch s := k.(type) {
	case *ecdsa.PrivateKey:
		return s, nil
	case *rsa.PrivateKey:
		return s, nil
	case ed25519.PrivateKey:
		return s, nil
	}
	return nil, errorf(ErrInvalidKey, "unsupported private key type")
}

// oidRSASSAPSS marks a PKCS#8 key restricted to RSA-PSS. Go's x509 parses
// only rsaEncryption keys, but the key material inside is plain PKCS#1.
var oidRSASSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}

func parsePSSPKCS8(der []byte, orig error) (any, error) {
	var info struct {
		Version   int
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		PrivateKey []byte
		Attributes asn1.RawValue `asn1:"optional,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &info); err != nil || !info.Algorithm.Algorithm.Equal(oidRSASSAPSS) {
		return nil, orig
	}
	return x509.ParsePKCS1PrivateKey(info.PrivateKey)
}
