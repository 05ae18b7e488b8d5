package pwc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// The client key pair: PwC returns config.secret encrypted to the RSA
// public key the caller sends as publicKeyXml [DOC], so hookctl keeps the
// private half in the keyring and decrypts locally.

// RSAKeyBits is the size `hookctl keys generate` creates: 3072 bits is
// NIST's 128-bit security level, and .NET accepts any multiple of 8.
const RSAKeyBits = 3072

// minRSAKeyBits refuses keys too weak to protect signing secrets.
const minRSAKeyBits = 2048

// maxRSAKeyBits bounds what the XML parser accepts, so a hostile document
// cannot force arbitrarily expensive arithmetic.
const maxRSAKeyBits = 16384

// maxKeyXML bounds an RSAKeyValue document (a 16384-bit key is ~3 KiB).
const maxKeyXML = 64 << 10

// generateRSAKey creates a key pair from crypto/rand.
func generateRSAKey(bits int) (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, bits)
}

// marshalPrivateKeyPEM is PKCS#8 PEM ("PRIVATE KEY"), the format openssl
// and most tools read by default.
func marshalPrivateKeyPEM(k *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// parsePrivateKeyPEM reads PKCS#8 or PKCS#1 PEM. An env variable set from a
// CI secret store sometimes carries literal "\n" instead of newlines; those
// are restored first.
func parsePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	if !strings.Contains(s, "\n") && strings.Contains(s, `\n`) {
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("not a PEM private key")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the private key is %T, not RSA", key)
	}
	if rk.N.BitLen() < minRSAKeyBits {
		return nil, fmt.Errorf("the RSA key has %d bits; at least %d are needed", rk.N.BitLen(), minRSAKeyBits)
	}
	return rk, nil
}

// RSAKeyValueXML renders a public key as .NET's RSA.ToXmlString(false):
// <RSAKeyValue><Modulus>…</Modulus><Exponent>…</Exponent></RSAKeyValue>,
// each value the base64 of its unsigned big-endian bytes without leading
// zero bytes (the XML-DSig CryptoBinary type, not DER's signed integers).
// Base64 has no XML-special characters, so nothing needs escaping.
func RSAKeyValueXML(pub *rsa.PublicKey) string {
	e := big.NewInt(int64(pub.E)).Bytes()
	return "<RSAKeyValue><Modulus>" + base64.StdEncoding.EncodeToString(pub.N.Bytes()) +
		"</Modulus><Exponent>" + base64.StdEncoding.EncodeToString(e) + "</Exponent></RSAKeyValue>"
}

// rsaKeyValue is the document ParseRSAKeyValue reads; the private members
// .NET writes with ToXmlString(true) are ignored.
type rsaKeyValue struct {
	XMLName  xml.Name
	Modulus  string `xml:"Modulus"`
	Exponent string `xml:"Exponent"`
}

// ParseRSAKeyValue reads a .NET RSAKeyValue public key. Whitespace inside
// the base64 (XML-DSig examples wrap it) and a namespace are accepted, and
// leading zero bytes are tolerated on input. The key is checked for shape
// (odd modulus of at most maxRSAKeyBits bits, odd exponent ≥ 3 that fits an
// int32), not for a minimum size: callers decide that.
func ParseRSAKeyValue(s string) (*rsa.PublicKey, error) {
	if len(s) > maxKeyXML {
		return nil, fmt.Errorf("RSAKeyValue document is larger than %d bytes", maxKeyXML)
	}
	var kv rsaKeyValue
	if err := xml.Unmarshal([]byte(s), &kv); err != nil {
		return nil, fmt.Errorf("RSAKeyValue: %w", err)
	}
	if kv.XMLName.Local != "RSAKeyValue" {
		return nil, fmt.Errorf("root element is <%s>, not <RSAKeyValue>", kv.XMLName.Local)
	}
	nb, err := decodeCryptoBinary(kv.Modulus)
	if err != nil {
		return nil, fmt.Errorf("RSAKeyValue Modulus: %w", err)
	}
	eb, err := decodeCryptoBinary(kv.Exponent)
	if err != nil {
		return nil, fmt.Errorf("RSAKeyValue Exponent: %w", err)
	}
	n := new(big.Int).SetBytes(nb)
	e := new(big.Int).SetBytes(eb)
	switch {
	case n.BitLen() > maxRSAKeyBits:
		return nil, fmt.Errorf("RSAKeyValue Modulus has %d bits, more than %d", n.BitLen(), maxRSAKeyBits)
	case n.BitLen() < 2 || n.Bit(0) == 0:
		return nil, errors.New("RSAKeyValue Modulus is not an RSA modulus (zero or even)")
	case e.BitLen() > 31 || e.Int64() < 3 || e.Bit(0) == 0:
		return nil, errors.New("RSAKeyValue Exponent must be an odd number from 3 to 2^31-1")
	case e.Cmp(n) >= 0:
		return nil, errors.New("RSAKeyValue Exponent is not smaller than the modulus")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// decodeCryptoBinary decodes the base64 of an XML-DSig CryptoBinary value.
func decodeCryptoBinary(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return nil, errors.New("empty")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64")
	}
	return b, nil
}

// publicKeyInfo describes a key for `hookctl keys show`. Extra["xml"] is the
// publicKeyXml hookctl sends; Extra["fingerprint"] is the SHA-256 of the
// DER SubjectPublicKeyInfo (what `openssl pkey -pubout -outform DER |
// sha256sum` prints), so a user can tell keys apart.
func publicKeyInfo(pub *rsa.PublicKey) (*webhook.PublicKeyInfo, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	p := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	sum := sha256.Sum256(der)
	return &webhook.PublicKeyInfo{
		Algorithm: fmt.Sprintf("RSA-%d", pub.N.BitLen()),
		PEM:       p,
		Base64:    base64.StdEncoding.EncodeToString([]byte(p)),
		Extra: map[string]string{
			"xml":         RSAKeyValueXML(pub),
			"fingerprint": "SHA256:" + hex.EncodeToString(sum[:]),
		},
	}, nil
}

// decryptSecret opens a config.secret: RSA-OAEP with SHA-256 and
// MGF1-SHA-256 and an empty label, as .NET's RSAEncryptionPadding.OaepSHA256
// [INF: the docs say "OAEP-SHA256"; .NET uses the same hash for MGF1].
// The ciphertext's encoding is not documented [INF]: standard and URL-safe
// base64, padded or not, are accepted.
func decryptSecret(priv *rsa.PrivateKey, enc string) (string, error) {
	ct, err := decodeAnyBase64(enc)
	if err != nil {
		return "", errors.New("the encrypted secret is not base64")
	}
	if len(ct) != priv.Size() {
		return "", fmt.Errorf("the encrypted secret is %d bytes but the %d-bit key needs %d: it was encrypted to another key", len(ct), priv.N.BitLen(), priv.Size())
	}
	pt, err := rsa.DecryptOAEP(sha256.New(), nil, priv, ct, nil)
	if err != nil {
		return "", errors.New("the secret does not decrypt with this profile's RSA key (encrypted to another key?)")
	}
	return string(pt), nil
}

func decodeAnyBase64(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	var last error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		last = err
	}
	return nil, last
}
