package pwc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// The server side of PwC's secret encryption: config.secret is returned
// encrypted with the caller's RSA public key, sent as publicKeyXml, with
// OAEP-SHA256 padding [DOC]. The key is .NET's RSAKeyValue XML, base64
// big-endian Modulus and Exponent [INF: docs/providers/pwc.md §4.4]; OAEP uses
// SHA-256 for MGF1 too, as .NET's RSAEncryptionPadding.OaepSHA256, and the
// ciphertext is standard padded base64, as Convert.ToBase64String [INF].

// Bounds on what a caller may make the emulator parse [INF]: a 16384-bit
// key is about 3 KiB of XML.
const (
	maxKeyXMLBytes = 64 << 10
	maxKeyBits     = 16384
)

// parseKeyXML reads <RSAKeyValue><Modulus>…</Modulus><Exponent>…
// </Exponent></RSAKeyValue>, in any namespace, with whitespace allowed
// inside the base64 (XML-DSig wraps it); other members (a private key's)
// are ignored. It checks the key's shape, not its size.
func parseKeyXML(doc string) (*rsa.PublicKey, error) {
	if len(doc) > maxKeyXMLBytes {
		return nil, fmt.Errorf("the document is over %d bytes", maxKeyXMLBytes)
	}
	var kv struct {
		XMLName  xml.Name
		Modulus  string
		Exponent string
	}
	if err := xml.Unmarshal([]byte(doc), &kv); err != nil {
		return nil, fmt.Errorf("not XML: %w", err)
	}
	if kv.XMLName.Local != "RSAKeyValue" {
		return nil, fmt.Errorf("the root element is <%s>, not <RSAKeyValue>", kv.XMLName.Local)
	}
	n, err := cryptoBinary("Modulus", kv.Modulus)
	if err != nil {
		return nil, err
	}
	e, err := cryptoBinary("Exponent", kv.Exponent)
	if err != nil {
		return nil, err
	}
	switch {
	case n.BitLen() > maxKeyBits:
		return nil, fmt.Errorf("the Modulus has %d bits, over %d", n.BitLen(), maxKeyBits)
	case n.Bit(0) == 0 || n.BitLen() < 2:
		return nil, errors.New("the Modulus is even or too small to be an RSA modulus")
	case !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0:
		return nil, errors.New("the Exponent must be odd, from 3 to 2^31-1")
	case e.Cmp(n) >= 0:
		return nil, errors.New("the Exponent is not below the Modulus")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// cryptoBinary decodes an XML-DSig CryptoBinary: base64 of an unsigned
// big-endian integer.
func cryptoBinary(what, b64 string) (*big.Int, error) {
	compact := strings.Join(strings.Fields(b64), "")
	if compact == "" {
		return nil, fmt.Errorf("<%s> is missing or empty", what)
	}
	raw, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, fmt.Errorf("<%s> is not base64", what)
	}
	return new(big.Int).SetBytes(raw), nil
}

// sealSecret encrypts a subscription secret to the caller's key.
func sealSecret(pub *rsa.PublicKey, secret string) (string, error) {
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte(secret), nil)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}
