package pwc

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func needOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
}

func openssl(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func fixedKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := parsePrivateKeyPEM(fixedKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// w3cSampleModulus is the RSAKeyValue example of the XML-DSig spec
// (https://www.w3.org/TR/xmldsig-core/#sec-RSAKeyValue), which .NET's own
// tests load with RSA.FromXmlString. Its first byte is 0xC4, so a DER-style
// encoder would wrongly prepend a zero byte.
const w3cSampleModulus = "xA7SEU+e0yQH5rm9kbCDN9o3aPIo7HbP7tX6WOocLZAtNfyxSZDU16ksL6WjubafOqNEpcwR3RdFsT7bCqnXPBe5ELh5u4VEy19MzxkXRgrMvavzyBpVRgBUwUlV5foK5hhmbktQhyNdy/6LpQRhDUDsTvK+g9Ucj47es9AQJ3U="

func TestRSAKeyValueW3CSample(t *testing.T) {
	// As printed in the spec: wrapped, indented, namespaced.
	wrapped := `<RSAKeyValue xmlns="http://www.w3.org/2000/09/xmldsig#">
  <Modulus>xA7SEU+e0yQH5rm9kbCDN9o3aPIo7HbP7tX6WOocLZAtNfyxSZDU16ksL6W
    jubafOqNEpcwR3RdFsT7bCqnXPBe5ELh5u4VEy19MzxkXRgrMvavzyBpVRgBUwUlV
    5foK5hhmbktQhyNdy/6LpQRhDUDsTvK+g9Ucj47es9AQJ3U=
  </Modulus>
  <Exponent>AQAB</Exponent>
</RSAKeyValue>`
	pub, err := ParseRSAKeyValue(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if pub.E != 65537 || pub.N.BitLen() != 1024 {
		t.Fatalf("e=%d bits=%d", pub.E, pub.N.BitLen())
	}
	want := "<RSAKeyValue><Modulus>" + w3cSampleModulus + "</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"
	if got := RSAKeyValueXML(pub); got != want {
		t.Errorf("round trip:\n got %s\nwant %s", got, want)
	}
}

// TestRSAKeyValueMatchesOpenSSL compares our XML for the fixed key with one
// derived by openssl and coreutils (testdata/README.md), and the modulus
// with what openssl prints now.
func TestRSAKeyValueMatchesOpenSSL(t *testing.T) {
	k := fixedKey(t)
	got := RSAKeyValueXML(&k.PublicKey)
	if got != fixedKeyXML {
		t.Fatalf("XML differs from testdata/fixed-rsa-2048.xml:\n got %s\nwant %s", got, fixedKeyXML)
	}
	pub, err := ParseRSAKeyValue(got)
	if err != nil || pub.N.Cmp(k.N) != 0 || pub.E != k.E {
		t.Fatalf("parse back: %v", err)
	}
	needOpenSSL(t)
	out := strings.TrimSpace(string(openssl(t, []byte(fixedKeyPEM), "rsa", "-noout", "-modulus")))
	hexMod, ok := strings.CutPrefix(out, "Modulus=")
	if !ok {
		t.Fatalf("openssl printed %q", out)
	}
	mod := strings.SplitN(strings.SplitN(got, "<Modulus>", 2)[1], "<", 2)[0]
	raw, _ := base64.StdEncoding.DecodeString(mod)
	if !strings.EqualFold(hex.EncodeToString(raw), hexMod) {
		t.Errorf("modulus %x, openssl says %s", raw, hexMod)
	}
	if raw[0] == 0 || len(raw) != k.Size() {
		t.Errorf("modulus has %d bytes starting %#x: want %d without a leading zero", len(raw), raw[0], k.Size())
	}
}

func TestParseRSAKeyValueRejects(t *testing.T) {
	mod := w3cSampleModulus
	even := base64.StdEncoding.EncodeToString(new(big.Int).Lsh(big.NewInt(1), 1023).Bytes())
	for name, doc := range map[string]string{
		"not xml":        "RSA key",
		"wrong root":     "<KeyValue><Modulus>" + mod + "</Modulus><Exponent>AQAB</Exponent></KeyValue>",
		"no modulus":     "<RSAKeyValue><Exponent>AQAB</Exponent></RSAKeyValue>",
		"bad base64":     "<RSAKeyValue><Modulus>***</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
		"even modulus":   "<RSAKeyValue><Modulus>" + even + "</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
		"exponent 1":     "<RSAKeyValue><Modulus>" + mod + "</Modulus><Exponent>AQ==</Exponent></RSAKeyValue>",
		"even exponent":  "<RSAKeyValue><Modulus>" + mod + "</Modulus><Exponent>AQAA</Exponent></RSAKeyValue>",
		"huge exponent":  "<RSAKeyValue><Modulus>" + mod + "</Modulus><Exponent>AQAAAAAB</Exponent></RSAKeyValue>",
		"oversized":      "<RSAKeyValue><Modulus>" + strings.Repeat("A", maxKeyXML) + "</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
		"empty exponent": "<RSAKeyValue><Modulus>" + mod + "</Modulus><Exponent></Exponent></RSAKeyValue>",
	} {
		if _, err := ParseRSAKeyValue(doc); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseRSAKeyValue(f *testing.F) {
	f.Add("<RSAKeyValue><Modulus>" + w3cSampleModulus + "</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>")
	f.Add(fixedKeyXML)
	f.Add("<RSAKeyValue><Modulus>AAAD</Modulus><Exponent>Aw==</Exponent><D>AQ==</D></RSAKeyValue>")
	f.Add("<RSAKeyValue><Modulus> xA7S\n</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>")
	f.Add("<a><RSAKeyValue/></a>")
	f.Fuzz(func(t *testing.T, doc string) {
		pub, err := ParseRSAKeyValue(doc)
		if err != nil {
			return
		}
		// Whatever parses re-encodes in canonical form and parses to the
		// same key.
		again, err := ParseRSAKeyValue(RSAKeyValueXML(pub))
		if err != nil {
			t.Fatalf("re-encoded key does not parse: %v", err)
		}
		if again.N.Cmp(pub.N) != 0 || again.E != pub.E {
			t.Fatal("round trip changed the key")
		}
		if RSAKeyValueXML(again) != RSAKeyValueXML(pub) {
			t.Fatal("encoding is not canonical")
		}
	})
}

// TestDecryptOpenSSLCiphertext decrypts a secret that openssl encrypted
// with RSA-OAEP, SHA-256 and MGF1-SHA-256, in both base64 alphabets.
func TestDecryptOpenSSLCiphertext(t *testing.T) {
	needOpenSSL(t)
	k := fixedKey(t)
	dir := t.TempDir()
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pubPath := filepath.Join(dir, "pub.pem")
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := "c2VjcmV0LWZyb20tb3BlbnNzbC0xMjM0NTY3ODkw"
	ct := openssl(t, []byte(secret), "pkeyutl", "-encrypt", "-pubin", "-inkey", pubPath,
		"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256")
	for name, enc := range map[string]string{
		"std":     base64.StdEncoding.EncodeToString(ct),
		"url":     base64.URLEncoding.EncodeToString(ct),
		"raw url": base64.RawURLEncoding.EncodeToString(ct),
		"wrapped": wrap76(base64.StdEncoding.EncodeToString(ct)),
	} {
		got, err := decryptSecret(k, enc)
		if err != nil || got != secret {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
	// OAEP with SHA-1 (openssl's default) must not be taken for SHA-256.
	sha1CT := openssl(t, []byte(secret), "pkeyutl", "-encrypt", "-pubin", "-inkey", pubPath, "-pkeyopt", "rsa_padding_mode:oaep")
	if _, err := decryptSecret(k, base64.StdEncoding.EncodeToString(sha1CT)); err == nil {
		t.Error("a SHA-1 OAEP ciphertext decrypted")
	}
	// Our encryption is what openssl decrypts.
	enc, err := encryptSecret(&k.PublicKey, secret)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(enc)
	keyPath := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyPath, []byte(fixedKeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	pt := openssl(t, raw, "pkeyutl", "-decrypt", "-inkey", keyPath,
		"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256")
	if string(pt) != secret {
		t.Errorf("openssl decrypted %q", pt)
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s
}

func TestDecryptWrongKey(t *testing.T) {
	k := fixedKey(t)
	other, err := ParseRSAKeyValue("<RSAKeyValue><Modulus>" + w3cSampleModulus + "</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encryptSecret(other, "secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decryptSecret(k, enc); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("decrypting another key's ciphertext: %v", err)
	}
}

func TestPublicKeyInfoFingerprint(t *testing.T) {
	needOpenSSL(t)
	k := fixedKey(t)
	info, err := publicKeyInfo(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	der := openssl(t, []byte(fixedKeyPEM), "pkey", "-pubout", "-outform", "DER")
	sum := sha256.Sum256(der)
	if info.Extra["fingerprint"] != "SHA256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("fingerprint %s, openssl DER hashes to %x", info.Extra["fingerprint"], sum)
	}
	if info.Extra["xml"] != fixedKeyXML || info.Algorithm != "RSA-2048" {
		t.Errorf("info %+v", info)
	}
	if b, _ := base64.StdEncoding.DecodeString(info.Base64); string(b) != info.PEM {
		t.Error("base64 is not the base64 of the PEM")
	}
}

func TestPrivateKeyFormats(t *testing.T) {
	k := fixedKey(t)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	for name, s := range map[string]string{
		"pkcs8":           fixedKeyPEM,
		"pkcs1":           pkcs1,
		"escaped newline": strings.ReplaceAll(fixedKeyPEM, "\n", `\n`),
	} {
		got, err := parsePrivateKeyPEM(s)
		if err != nil || got.N.Cmp(k.N) != 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := parsePrivateKeyPEM("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"); err == nil {
		t.Error("a public key was accepted as private")
	}
}

func TestGenerateKeyRefusesToReplace(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	_, err := c.GenerateKey(ctx, false)
	we := kindOf(t, err, webhook.KindUsage)
	if !strings.Contains(we.Error(), "--force") {
		t.Errorf("error %q", we.Error())
	}
	if got, _ := e.store.Get("sb", CredRSAKey); got != fixedKeyPEM {
		t.Fatal("the stored key changed without --force")
	}
	info, err := c.GenerateKey(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.store.Get("sb", CredRSAKey)
	k, err := parsePrivateKeyPEM(got)
	if got == fixedKeyPEM || err != nil || k.N.BitLen() != RSAKeyBits {
		t.Fatalf("forced key: %v", err)
	}
	// The client uses the new key at once, and keys show reports it.
	shown, err := c.PublicKey(ctx)
	if err != nil || shown.PEM != info.PEM || shown.Extra["xml"] != RSAKeyValueXML(&k.PublicKey) {
		t.Fatalf("keys show after generate: %v", err)
	}
}

func TestGenerateKeyWarnsWhenEnvOverrides(t *testing.T) {
	e := newEnv(t)
	if err := e.store.Delete("sb", CredRSAKey); err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	envStore := credentials.New(e.store.Backend(), func(k string) string {
		return map[string]string{"HOOKCTL_RSA_KEY": fixedKeyPEM}[k]
	})
	c := e.client(func(d *provider.Deps) { d.Creds, d.ErrOut = envStore, &errOut })
	if testing.Short() {
		t.Skip("generates an RSA-3072 key")
	}
	if _, err := c.GenerateKey(ctx, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "HOOKCTL_RSA_KEY is set and overrides") {
		t.Errorf("stderr %q", errOut.String())
	}
}

// encryptSecret is the server side of decryptSecret, with standard padded
// base64 as .NET's Convert.ToBase64String writes it, for tests that forge
// or check an answer (the emulator has its own, in internal/emulator/pwc).
func encryptSecret(pub *rsa.PublicKey, secret string) (string, error) {
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte(secret), nil)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}
