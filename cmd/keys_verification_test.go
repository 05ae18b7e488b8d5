package cmd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"testing"
)

// TestECJWK: the JWK's coordinates are the key's, fixed-size, unpadded
// base64url, for each curve a verification key may use.
func TestECJWK(t *testing.T) {
	for _, tc := range []struct {
		curve    elliptic.Curve
		crv, alg string
		size     int
	}{{elliptic.P256(), "P-256", "ES256", 32}, {elliptic.P384(), "P-384", "ES384", 48}, {elliptic.P521(), "P-521", "ES512", 66}} {
		k, err := ecdsa.GenerateKey(tc.curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		j, err := ecJWK(&k.PublicKey, "kid-1")
		if err != nil {
			t.Fatal(err)
		}
		x, _ := base64.RawURLEncoding.DecodeString(j.X)
		y, _ := base64.RawURLEncoding.DecodeString(j.Y)
		if j.Kty != "EC" || j.Crv != tc.crv || j.Alg != tc.alg || j.Kid != "kid-1" || len(x) != tc.size || len(y) != tc.size {
			t.Fatalf("%s: %+v", tc.crv, j)
		}
		point, _ := k.PublicKey.Bytes()
		if new(big.Int).SetBytes(x).Cmp(new(big.Int).SetBytes(point[1:1+tc.size])) != 0 ||
			new(big.Int).SetBytes(y).Cmp(new(big.Int).SetBytes(point[1+tc.size:])) != 0 {
			t.Fatalf("%s: coordinates differ from the key's", tc.crv)
		}
	}
}
