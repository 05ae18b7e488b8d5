package httpsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"math/big"
)

// Algorithm names from the HTTP Signature Algorithms registry (RFC 9421 §6.2).
const (
	AlgECDSAP384SHA384 = "ecdsa-p384-sha384"
	AlgECDSAP256SHA256 = "ecdsa-p256-sha256"
	AlgEd25519         = "ed25519"
	AlgRSAPSSSHA512    = "rsa-pss-sha512"
	AlgRSAV15SHA256    = "rsa-v1_5-sha256"
	AlgHMACSHA256      = "hmac-sha256"
)

// pssSaltLength is fixed by RFC 9421 §3.3.1 for rsa-pss-sha512.
const pssSaltLength = 64

// publicOf reduces any accepted key form to the public half (or the HMAC
// secret), so signing and verifying keys are classified the same way.
func publicOf(key any) any {
	switch k := key.(type) {
	case []byte:
		return k
	case crypto.Signer:
		return k.Public()
	}
	return key
}

// AlgorithmForKey picks the algorithm a key implies: ECDSA by curve,
// Ed25519, rsa-pss-sha512 for RSA (RFC 9421's preferred RSA scheme; pass
// rsa-v1_5-sha256 explicitly where a peer needs it), hmac-sha256 for a
// []byte secret. key may be public, private (crypto.Signer) or a secret.
func AlgorithmForKey(key any) (string, error) {
	switch k := publicOf(key).(type) {
	case []byte:
		if len(k) == 0 {
			return "", errorf(ErrInvalidKey, "empty HMAC secret")
		}
		return AlgHMACSHA256, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return AlgECDSAP256SHA256, nil
		case elliptic.P384():
			return AlgECDSAP384SHA384, nil
		}
		return "", errorf(ErrUnsupportedAlgorithm, "ECDSA curve "+k.Curve.Params().Name)
	case ed25519.PublicKey:
		return AlgEd25519, nil
	case *rsa.PublicKey:
		return AlgRSAPSSSHA512, nil
	case nil:
		return "", errorf(ErrInvalidKey, "no key")
	}
	return "", errorf(ErrUnsupportedAlgorithm, "key type not supported")
}

// checkKeyFits reports whether key can be used with alg, so that an alg
// parameter chosen by an attacker cannot make a verifier use a key in a way
// its owner never intended (RFC 9421 §7.3.6).
func checkKeyFits(alg string, key any) error {
	pub := publicOf(key)
	ok := false
	switch alg {
	case AlgHMACSHA256:
		b, isBytes := pub.([]byte)
		ok = isBytes && len(b) > 0
	case AlgECDSAP256SHA256, AlgECDSAP384SHA384:
		if k, isEC := pub.(*ecdsa.PublicKey); isEC {
			ok = (alg == AlgECDSAP256SHA256 && k.Curve == elliptic.P256()) || (alg == AlgECDSAP384SHA384 && k.Curve == elliptic.P384())
		}
	case AlgEd25519:
		k, isEd := pub.(ed25519.PublicKey)
		ok = isEd && len(k) == ed25519.PublicKeySize
	case AlgRSAPSSSHA512, AlgRSAV15SHA256:
		_, ok = pub.(*rsa.PublicKey)
	default:
		return errorf(ErrUnsupportedAlgorithm, quote(alg))
	}
	if !ok {
		return errorf(ErrKeyMismatch, "the key cannot be used with "+alg)
	}
	return nil
}

// SignBase signs a signature base with alg. key is a crypto.Signer (ECDSA,
// Ed25519, RSA: software keys or KMS/HSM-backed ones alike) or a []byte
// secret for hmac-sha256. ECDSA signatures come out as fixed-width r||s, as
// RFC 9421 §3.3.4 requires, not ASN.1.
func SignBase(alg string, key any, base []byte) ([]byte, error) {
	if err := checkKeyFits(alg, key); err != nil {
		return nil, err
	}
	if alg == AlgHMACSHA256 {
		mac := hmac.New(sha256.New, key.([]byte))
		mac.Write(base)
		return mac.Sum(nil), nil
	}
	var signer crypto.Signer
	switch k := key.(type) {
	case crypto.Signer:
		signer = k
	default:
		return nil, errorf(ErrKeyMismatch, "signing with "+alg+" needs a private key")
	}
	switch alg {
	case AlgEd25519:
		return signer.Sign(rand.Reader, base, crypto.Hash(0))
	case AlgRSAPSSSHA512:
		d := sha512.Sum512(base)
		return signer.Sign(rand.Reader, d[:], &rsa.PSSOptions{SaltLength: pssSaltLength, Hash: crypto.SHA512})
	case AlgRSAV15SHA256:
		d := sha256.Sum256(base)
		return signer.Sign(rand.Reader, d[:], crypto.SHA256)
	case AlgECDSAP256SHA256:
		d := sha256.Sum256(base)
		der, err := signer.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			return nil, err
		}
		return derToRaw(der, 32)
	case AlgECDSAP384SHA384:
		d := sha512.Sum384(base)
		der, err := signer.Sign(rand.Reader, d[:], crypto.SHA384)
		if err != nil {
			return nil, err
		}
		return derToRaw(der, 48)
	}
	return nil, errorf(ErrUnsupportedAlgorithm, quote(alg))
}

// VerifyBase checks sig over base with alg and key (public key, private key
// or HMAC secret). It returns ErrSignatureMismatch when the signature is
// well-formed but wrong, so callers can tell a bad signature from a key
// that does not fit.
func VerifyBase(alg string, key any, base, sig []byte) error {
	if err := checkKeyFits(alg, key); err != nil {
		return err
	}
	pub := publicOf(key)
	ok := false
	switch alg {
	case AlgHMACSHA256:
		mac := hmac.New(sha256.New, pub.([]byte))
		mac.Write(base)
		ok = hmac.Equal(mac.Sum(nil), sig)
	case AlgEd25519:
		ok = len(sig) == ed25519.SignatureSize && ed25519.Verify(pub.(ed25519.PublicKey), base, sig)
	case AlgRSAPSSSHA512:
		d := sha512.Sum512(base)
		// Salt length is checked leniently (auto): RFC 9421 fixes 64 bytes
		// for signers, and a PSS signature is equally sound with any salt,
		// so refusing other lengths would only break interoperability.
		ok = rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA512, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: crypto.SHA512}) == nil
	case AlgRSAV15SHA256:
		d := sha256.Sum256(base)
		ok = rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, d[:], sig) == nil
	case AlgECDSAP256SHA256:
		d := sha256.Sum256(base)
		ok = verifyRaw(pub.(*ecdsa.PublicKey), d[:], sig, 32)
	case AlgECDSAP384SHA384:
		d := sha512.Sum384(base)
		ok = verifyRaw(pub.(*ecdsa.PublicKey), d[:], sig, 48)
	}
	if !ok {
		return errorf(ErrSignatureMismatch, alg+" signature does not verify")
	}
	return nil
}

func verifyRaw(pub *ecdsa.PublicKey, digest, sig []byte, size int) bool {
	if len(sig) != 2*size {
		return false
	}
	r := new(big.Int).SetBytes(sig[:size])
	s := new(big.Int).SetBytes(sig[size:])
	return ecdsa.Verify(pub, digest, r, s)
}

// derToRaw converts an ASN.1 ECDSA signature (what crypto.Signer returns)
// into the fixed-width r||s form HTTP Message Signatures use.
func derToRaw(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 {
		return nil, errorf(ErrInvalidKey, "signer returned a malformed ECDSA signature")
	}
	if sig.R.BitLen() > 8*size || sig.S.BitLen() > 8*size {
		return nil, errorf(ErrInvalidKey, "ECDSA signature does not fit the curve size")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}
