// Package openssltest makes the openssl binary an outside reference for
// hookctl's HTTP Message Signatures (RFC 9421, ecdsa-p384-sha384): tests
// sign a signature base they wrote by hand with openssl and let hookctl
// verify it, and let openssl verify what hookctl signed. A bug shared by
// hookctl's signer and verifier (a wrong hash, a wrong @target-uri, r and s
// swapped) passes every sign-then-verify test and fails these.
//
// Nothing here imports hookctl's signature code: the base is assembled line
// by line (RFC 9421 §2.5), the headers are read with regular expressions
// rather than a structured-field parser, and signatures are converted
// between openssl's DER and RFC 9421's raw r‖s with encoding/asn1.
package openssltest

import (
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// p384Size is the byte length of r and of s for P-384 (RFC 9421 §3.3.5).
const p384Size = 48

// Require skips t when openssl is missing. The message is the one
// scripts/testjson refuses under make test, which installs openssl.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
}

// Run runs openssl with args and stdin and returns stdout; a failure is
// fatal.
func Run(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	out, err := run(stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func run(stdin []byte, args ...string) ([]byte, error) {
	c := exec.Command("openssl", args...)
	c.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("openssl %s: %v: %s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.Bytes(), nil
}

// Key is a P-384 key pair that openssl generated, as PEM files.
type Key struct {
	PrivateFile, PublicFile string
	PublicPEM               []byte
}

// GenerateP384 makes a new P-384 key pair with openssl in a temp dir.
func GenerateP384(t testing.TB) Key {
	t.Helper()
	dir := t.TempDir()
	k := Key{PrivateFile: filepath.Join(dir, "key.pem"), PublicFile: filepath.Join(dir, "pub.pem")}
	Run(t, nil, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", k.PrivateFile)
	Run(t, nil, "pkey", "-in", k.PrivateFile, "-pubout", "-out", k.PublicFile)
	var err error
	if k.PublicPEM, err = os.ReadFile(k.PublicFile); err != nil {
		t.Fatal(err)
	}
	return k
}

// PublicFromPEM writes pem (a public key, or a private key whose public
// half openssl extracts) as a public key file for Verify.
func PublicFromPEM(t testing.TB, pem []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "pub.pem")
	args := []string{"pkey", "-pubout", "-out", file}
	if bytes.Contains(pem, []byte("PUBLIC KEY")) {
		args = append(args, "-pubin")
	}
	Run(t, pem, args...)
	return file
}

// Base is an RFC 9421 §2.5 signature base written out by hand: one line
// `"<component>": <value>` per covered component, in order, then the
// @signature-params line with no trailing newline.
func Base(sigParams string, components ...[2]string) []byte {
	var b strings.Builder
	for _, c := range components {
		b.WriteString(`"` + c[0] + `": ` + c[1] + "\n")
	}
	b.WriteString(`"@signature-params": ` + sigParams)
	return []byte(b.String())
}

// SignP384 signs base with `openssl dgst -sha384 -sign` and returns the
// signature as RFC 9421 wants it: raw r‖s, 48 bytes each.
func SignP384(t testing.TB, key Key, base []byte) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "base.txt")
	if err := os.WriteFile(file, base, 0o600); err != nil {
		t.Fatal(err)
	}
	der := Run(t, nil, "dgst", "-sha384", "-sign", key.PrivateFile, file)
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 {
		t.Fatalf("openssl's signature is not one DER sequence (%v, %d bytes left)", err, len(rest))
	}
	raw := make([]byte, 2*p384Size)
	sig.R.FillBytes(raw[:p384Size])
	sig.S.FillBytes(raw[p384Size:])
	return raw
}

// VerifyP384 checks a raw r‖s signature over base with `openssl dgst
// -sha384 -verify`: nil when openssl prints "Verified OK".
func VerifyP384(t testing.TB, publicFile string, base, raw []byte) error {
	t.Helper()
	if len(raw) != 2*p384Size {
		return fmt.Errorf("signature is %d bytes, want %d (r‖s)", len(raw), 2*p384Size)
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:p384Size]), new(big.Int).SetBytes(raw[p384Size:])})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	baseFile, sigFile := filepath.Join(dir, "base.txt"), filepath.Join(dir, "sig.der")
	if err := os.WriteFile(baseFile, base, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sigFile, der, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(nil, "dgst", "-sha384", "-verify", publicFile, "-signature", sigFile, baseFile)
	if err == nil && strings.TrimSpace(string(out)) == "Verified OK" {
		return nil
	}
	if strings.Contains(string(out), "Verification failure") {
		return errors.New("openssl: Verification failure")
	}
	t.Fatalf("openssl could not check the signature: %v", err)
	return nil
}

// ContentDigestSHA512 is the RFC 9530 Content-Digest of body with sha-512,
// the digest computed by openssl.
func ContentDigestSHA512(t testing.TB, body []byte) string {
	t.Helper()
	sum := Run(t, body, "dgst", "-sha512", "-binary")
	return "sha-512=:" + base64.StdEncoding.EncodeToString(sum) + ":"
}

// ContentDigestSHA256 is the RFC 9530 Content-Digest of body with sha-256,
// the digest computed by openssl.
func ContentDigestSHA256(t testing.TB, body []byte) string {
	t.Helper()
	sum := Run(t, body, "dgst", "-sha256", "-binary")
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum) + ":"
}

// Signed is one signature read from Signature-Input and Signature.
type Signed struct {
	// Components are the covered component names, in order, unquoted.
	Components []string
	// Params is the @signature-params value: the Signature-Input member
	// after "label=", byte for byte.
	Params string
	// Created, KeyID and Alg are read from Params.
	Created       string
	KeyID, Alg    string
	Value         []byte // the decoded Signature member
	HasOtherParam bool   // a parameter other than created, keyid and alg
}

var (
	inputRE = regexp.MustCompile(`^([a-z][a-z0-9_.*-]*)=(\(((?:"[^"]+"(?: "[^"]+")*)?)\)((?:;[a-z]+=(?:[0-9]+|"[^"]*"))*))$`)
	paramRE = regexp.MustCompile(`;([a-z]+)=([0-9]+|"[^"]*")`)
	sigRE   = regexp.MustCompile(`^([a-z][a-z0-9_.*-]*)=:([A-Za-z0-9+/]+=*):$`)
)

// ReadSignature reads the single signature of h, which must have exactly
// one Signature-Input and one Signature line, both with label.
func ReadSignature(t testing.TB, h http.Header, label string) Signed {
	t.Helper()
	in, sg := h.Values("Signature-Input"), h.Values("Signature")
	if len(in) != 1 || len(sg) != 1 {
		t.Fatalf("want one Signature-Input and one Signature line, got %q and %q", in, sg)
	}
	m := inputRE.FindStringSubmatch(in[0])
	if m == nil || m[1] != label {
		t.Fatalf("Signature-Input %q is not one %s member", in[0], label)
	}
	s := Signed{Params: m[2]}
	for _, c := range strings.Fields(m[3]) {
		s.Components = append(s.Components, strings.Trim(c, `"`))
	}
	for _, p := range paramRE.FindAllStringSubmatch(m[4], -1) {
		v := strings.Trim(p[2], `"`)
		switch p[1] {
		case "created":
			s.Created = v
		case "keyid":
			s.KeyID = v
		case "alg":
			s.Alg = v
		default:
			s.HasOtherParam = true
		}
	}
	sm := sigRE.FindStringSubmatch(sg[0])
	if sm == nil || sm[1] != label {
		t.Fatalf("Signature %q is not one %s byte sequence", sg[0], label)
	}
	var err error
	if s.Value, err = base64.StdEncoding.DecodeString(sm[2]); err != nil {
		t.Fatalf("Signature: %v", err)
	}
	return s
}
