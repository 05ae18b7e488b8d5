package pwc

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestKeyXMLForms: the XML-DSig spec prints its example wrapped, indented
// and namespaced; .NET writes it on one line.
func TestKeyXMLForms(t *testing.T) {
	wrapped := `<RSAKeyValue xmlns="http://www.w3.org/2000/09/xmldsig#">
  <Modulus>
    xA7SEU+e0yQH5rm9kbCDN9o3aPIo7HbP7tX6WOocLZAtNfyxSZDU16ksL6WjubafOqNEpcwR3RdFsT7bCqnXPBe5ELh5u4VEy19MzxkXRgrMvavzyBpVRgBUwUlV5foK5hhmbktQhyNdy/6LpQRhDUDsTvK+g9Ucj47es9AQJ3U=
  </Modulus>
  <Exponent>AQAB</Exponent>
</RSAKeyValue>`
	k, err := parseKeyXML(wrapped)
	if err != nil || k.N.BitLen() != 1024 || k.E != 65537 {
		t.Fatalf("W3C sample: %v", err)
	}
	if k, err := parseKeyXML(fixedKeyXML); err != nil || k.N.BitLen() != 2048 {
		t.Fatalf("fixed key: %v", err)
	}
	for _, bad := range []string{"", "<x/>", "<RSAKeyValue><Modulus>AQAB</Modulus></RSAKeyValue>",
		"<RSAKeyValue><Modulus>AQAA</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",                     // even modulus
		"<RSAKeyValue><Modulus>" + w3cSampleModulus + "</Modulus><Exponent>Ag==</Exponent></RSAKeyValue>", // e = 2
	} {
		if _, err := parseKeyXML(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestSealedSecretOpenSSL: what the emulator returns is what openssl
// decrypts with RSA-OAEP, SHA-256 and MGF1-SHA-256.
func TestSealedSecretOpenSSL(t *testing.T) {
	pub, err := parseKeyXML(fixedKeyXML)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := sealSecret(pub, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if decrypt(t, enc) != testSecret {
		t.Fatal("sealed secret does not open with Go's OAEP")
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	keyPath := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyPath, []byte(fixedKeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	ct, _ := base64.StdEncoding.DecodeString(enc)
	cmd := exec.Command("openssl", "pkeyutl", "-decrypt", "-inkey", keyPath,
		"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256")
	cmd.Stdin = bytes.NewReader(ct)
	out, err := cmd.Output()
	if err != nil || string(out) != testSecret {
		t.Errorf("openssl: %q %v", out, err)
	}
}
