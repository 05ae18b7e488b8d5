package cmd

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// jwk is an EC public key as RFC 7517/7518 write it.
type jwk struct {
	Kty string `json:"kty" yaml:"kty"`
	Crv string `json:"crv" yaml:"crv"`
	X   string `json:"x" yaml:"x"`
	Y   string `json:"y" yaml:"y"`
	Kid string `json:"kid,omitempty" yaml:"kid,omitempty"`
	Alg string `json:"alg" yaml:"alg"`
	Use string `json:"use" yaml:"use"`
}

// KeysVerificationKeyOptions are `hookctl keys verification-key`'s inputs.
type KeysVerificationKeyOptions struct {
	F *Factory
}

// NewCmdKeysVerificationKey builds `hookctl keys verification-key`.
func NewCmdKeysVerificationKey(f *Factory, runF func(*KeysVerificationKeyOptions) error) *cobra.Command {
	opts := &KeysVerificationKeyOptions{F: f}
	return &cobra.Command{
		Use:   "verification-key",
		Short: "Print the provider's delivery verification public key (offblocks)",
		Long: `Print the public key the provider signs deliveries with, for receivers written
outside hookctl: PEM by default, a JWK with -o json or -o yaml. Only providers that
sign deliveries with their own key have one (offblocks); the others sign with the
registration's secret.`,
		Example: `  $ hookctl keys verification-key -p ob > offblocks-verification.pem
  $ hookctl keys verification-key -p ob -o json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runKeysVerificationKey(c.Context(), opts.F)
		},
	}
}

func runKeysVerificationKey(ctx context.Context, f *Factory) error {
	prov, _, err := f.Provider()
	if err != nil {
		return err
	}
	vf, ok := prov.(webhook.VerificationKeySource)
	if !ok {
		return webhook.Unsupported(prov.Name(), "a delivery verification key (its deliveries are signed with each registration's secret)")
	}
	key, err := vf.VerificationKey(ctx, "")
	if err != nil {
		return err
	}
	pub, ok := key.Public.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("%s: the verification key is a %T, not an ECDSA key", prov.Name(), key.Public)
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	if !printer.Structured() {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return err
		}
		if key.KeyID != "" {
			notice(f, "key id: %s", key.KeyID)
		}
		return pem.Encode(f.IO.Out, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	j, err := ecJWK(pub, key.KeyID)
	if err != nil {
		return err
	}
	return printer.Print(j, (*output.Table)(nil))
}

// ecJWK writes an ECDSA public key as a JWK (RFC 7518 §6.2.1: x and y are
// the fixed-size big-endian coordinates, base64url without padding).
func ecJWK(pub *ecdsa.PublicKey, kid string) (*jwk, error) {
	point, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	n := (len(point) - 1) / 2
	j := &jwk{Kty: "EC", X: base64.RawURLEncoding.EncodeToString(point[1 : 1+n]),
		Y: base64.RawURLEncoding.EncodeToString(point[1+n:]), Kid: kid, Use: "sig"}
	switch n {
	case 48:
		j.Crv, j.Alg = "P-384", "ES384"
	case 32:
		j.Crv, j.Alg = "P-256", "ES256"
	case 66:
		j.Crv, j.Alg = "P-521", "ES512"
	default:
		return nil, fmt.Errorf("unsupported curve (%d-byte coordinates)", n)
	}
	return j, nil
}
