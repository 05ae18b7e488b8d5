package offblocks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// signer is the key a request is signed with.
type signer struct {
	key   *ecdsa.PrivateKey
	keyID string // OffBlocks' id of the key; its fingerprint for the upload, which precedes any id
}

// keyIDCache is the keyring entry CredSigningKeyID: the id OffBlocks gave
// the uploaded key, bound to that key's fingerprint, the API base and the
// account (the API key) it was uploaded under, so a new key (keys generate
// --force, HOOKCTL_SIGNING_KEY), another environment or another account is
// never sent under a stale id. It depends on nothing else a login holds:
// `auth login` with the same API key (a new API secret included) keeps it.
type keyIDCache struct {
	KeyID       string `json:"key_id"`
	Fingerprint string `json:"fingerprint"`
	BaseURL     string `json:"base_url"`
	// Account is accountOf the API key at upload; "" in entries written
	// before it was recorded, which are taken as the current account's.
	Account string `json:"account,omitempty"`
}

// account identifies the OffBlocks account whose API key is in effect
// (env first), without holding the key: OffBlocks keeps one signing key
// per account [INF: PUT /v1/auth/signing replaces "the" key]. ok is false
// when no API key can be read; then no request can be sent either, and
// the login says why.
func (c *Client) account() (string, bool) {
	if c.creds == nil {
		return "", false
	}
	v, _, err := c.creds.Lookup(c.profile.Name, CredAPIKey)
	if err != nil || v == "" {
		return "", false
	}
	return credentials.Fingerprint("offblocks account", c.base, v), true
}

// verificationKeyCache is the keyring entry CredVerificationKey.
type verificationKeyCache struct {
	ID      string `json:"id"`
	Key     string `json:"key"`
	BaseURL string `json:"base_url"`
}

// fingerprint is "SHA256:<hex>" of the DER SubjectPublicKeyInfo (what
// `openssl pkey -pubout -outform DER | sha256sum` prints).
func fingerprint(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return "SHA256:" + hex.EncodeToString(sum[:]), nil
}

// publicKeyInfo describes a key for `hookctl keys show`. Base64 is what
// OffBlocks uploads: base64 of the PEM [DOC].
func publicKeyInfo(pub *ecdsa.PublicKey) (*webhook.PublicKeyInfo, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	p := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	fp, err := fingerprint(pub)
	if err != nil {
		return nil, err
	}
	return &webhook.PublicKeyInfo{
		Algorithm: "ECDSA-P384",
		PEM:       p,
		Base64:    base64.StdEncoding.EncodeToString([]byte(p)),
		Extra:     map[string]string{"fingerprint": fp, "signature_algorithm": SignatureAlgorithm},
	}, nil
}

// signingKey loads the request-signing key: HOOKCTL_SIGNING_KEY (PEM) over
// the keyring's CredSigningKey. It must be ECDSA P-384, the only curve
// OffBlocks accepts [DOC].
func (c *Client) signingKey() (*ecdsa.PrivateKey, error) {
	c.keyMu.Lock()
	defer c.keyMu.Unlock()
	if c.key != nil {
		return c.key, nil
	}
	missing := webhook.Errorf(webhook.KindAuth, "offblocks: profile %s has no request-signing key", c.profile.Name).
		WithHint("run `hookctl keys generate -p %[1]s` and `hookctl keys upload -p %[1]s`, or set %[2]s to the PEM private key", c.profile.Name, credentials.ProfileEnvVar(c.profile.Name, CredSigningKey))
	if c.creds == nil {
		return nil, missing
	}
	v, src, err := c.creds.Lookup(c.profile.Name, CredSigningKey)
	switch {
	case errors.Is(err, credentials.ErrNotFound) || (err == nil && v == ""):
		return nil, missing
	case err != nil:
		return nil, fmt.Errorf("offblocks: reading the signing key of profile %s: %w", c.profile.Name, err)
	}
	from := "the keyring's signing-key"
	if src == credentials.SourceEnv {
		from = c.creds.EnvVarFor(c.profile.Name, CredSigningKey)
	}
	k, err := httpsig.ParsePrivateKey([]byte(v))
	if err != nil {
		return nil, webhook.Errorf(webhook.KindAuth, "offblocks: %s is not a usable private key: %v", from, err).
			WithHint("it must be an ECDSA P-384 key in PEM; `hookctl keys generate -p %s --force` makes one", c.profile.Name)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P384() {
		return nil, webhook.Errorf(webhook.KindAuth, "offblocks: %s is not an ECDSA P-384 key; OffBlocks accepts only %s", from, SignatureAlgorithm).
			WithHint("`hookctl keys generate -p %s --force` makes one", c.profile.Name)
	}
	c.key = ec
	return ec, nil
}

// requestSigner is the key and key id every authenticated call signs with.
func (c *Client) requestSigner() (signer, error) {
	key, err := c.signingKey()
	if err != nil {
		return signer{}, err
	}
	id, err := c.signingKeyID(&key.PublicKey)
	if err != nil {
		return signer{}, err
	}
	return signer{key: key, keyID: id}, nil
}

// signingKeyID is the uploaded key's id: the keyring's record when it was
// issued for this very key at this API base, else the profile's key-id
// setting (a key uploaded elsewhere, or CI without a keyring).
func (c *Client) signingKeyID(pub *ecdsa.PublicKey) (string, error) {
	c.keyMu.Lock()
	defer c.keyMu.Unlock()
	if c.keyID != "" {
		return c.keyID, nil
	}
	fp, err := fingerprint(pub)
	if err != nil {
		return "", err
	}
	var readErr error
	otherAccount := false
	if c.creds != nil {
		raw, err := c.creds.Get(c.profile.Name, CredSigningKeyID)
		var kc keyIDCache
		switch {
		case err == nil && json.Unmarshal([]byte(raw), &kc) == nil && kc.KeyID != "" && kc.Fingerprint == fp && kc.BaseURL == c.base:
			if acct, ok := c.account(); ok && kc.Account != "" && kc.Account != acct {
				otherAccount = true
				break
			}
			c.keyID = kc.KeyID
			return c.keyID, nil
		case err != nil && !errors.Is(err, credentials.ErrNotFound):
			readErr = err
		}
	}
	if id := c.profile.Setting(FieldKeyID); id != "" {
		c.keyID = id
		return id, nil
	}
	msg := fmt.Sprintf("offblocks: the signing key of profile %s (%s) has not been uploaded to %s", c.profile.Name, fp, c.base)
	if otherAccount {
		msg += " under the API key now in effect (it was uploaded under another one, another OffBlocks account)"
	}
	e := &webhook.Error{Kind: webhook.KindAuth, Err: readErr, Msg: msg}
	return "", e.WithHint("run `hookctl keys upload -p %s`; for a key uploaded elsewhere, set the profile's %s to the id OffBlocks returned", c.profile.Name, FieldKeyID)
}

// GenerateKey creates an ECDSA P-384 key pair and stores the private key
// (PKCS#8 PEM) as signing-key. It refuses to replace a stored key unless
// force: the old key's uploaded id stops working for this profile the
// moment it is replaced, until the new key is uploaded.
func (c *Client) GenerateKey(_ context.Context, force bool) (*webhook.PublicKeyInfo, error) {
	if c.creds == nil {
		return nil, errors.New("offblocks: no credential store to keep the private key in")
	}
	if !force {
		_, err := c.creds.Get(c.profile.Name, CredSigningKey)
		if err == nil {
			return nil, webhook.Invalid("offblocks: profile %s already has a request-signing key", c.profile.Name).
				WithHint("`hookctl keys show -p %[1]s` prints it; --force replaces it, and the new key must then be uploaded with `hookctl keys upload -p %[1]s`", c.profile.Name)
		}
		if !errors.Is(err, credentials.ErrNotFound) {
			return nil, fmt.Errorf("offblocks: checking for an existing signing key: %w", err)
		}
	}
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := c.creds.Set(c.profile.Name, CredSigningKey, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))); err != nil {
		return nil, fmt.Errorf("offblocks: storing the private key: %w", err)
	}
	if _, src, err := c.creds.Lookup(c.profile.Name, CredSigningKey); err == nil && src == credentials.SourceEnv {
		fmt.Fprintf(c.errOut, "warning: %s is set and overrides the key just stored in %s\n", c.creds.EnvVarFor(c.profile.Name, CredSigningKey), c.creds.Source())
	}
	c.keyMu.Lock()
	c.key, c.keyID = nil, "" // next use reads the key again: the env may still override it
	c.keyMu.Unlock()
	return publicKeyInfo(&k.PublicKey)
}

// PublicKey describes the signing key in use, with its uploaded id when
// one is known.
func (c *Client) PublicKey(context.Context) (*webhook.PublicKeyInfo, error) {
	k, err := c.signingKey()
	if err != nil {
		return nil, err
	}
	info, err := publicKeyInfo(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	info.KeyID, _ = c.signingKeyID(&k.PublicKey) // not uploaded yet is fine here
	return info, nil
}

// UploadKey registers the public key: PUT signing-path (/v1/auth/signing) with the base64
// of its PEM [DOC], and remembers the returned id as signing-key-id.
//
// The request is signed with the key being uploaded, without a keyid:
// every authenticated request is signed [DOC], and before the upload no id
// exists; a server can check it as proof that the uploader holds the
// private key [INF], as the emulator does.
func (c *Client) UploadKey(ctx context.Context) (*webhook.PublicKeyInfo, error) {
	k, err := c.signingKey()
	if err != nil {
		return nil, err
	}
	info, err := publicKeyInfo(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	// The body's member is the profile's signing-key-field (publicKey by default).
	body := map[string]string{c.wire.keyField: info.Base64}
	// OffBlocks has issued no id for this key yet, but a verifier built
	// on its library reads keyid from every signature (one without it
	// crashes it): the upload is signed under the key's fingerprint.
	if err := c.send(ctx, signer{key: k, keyID: info.Extra["fingerprint"]}, http.MethodPut, c.wire.signingPath, body, &raw); err != nil {
		return nil, fmt.Errorf("upload the signing key: %w", err)
	}
	id, err := keyIDFrom(raw)
	if err != nil {
		return nil, fmt.Errorf("offblocks: PUT %s: %w", c.wire.signingPath, err)
	}
	info.KeyID = text.Printable(id)
	acct, _ := c.account() // the upload's login read it: it is there
	b, _ := json.Marshal(keyIDCache{KeyID: id, Fingerprint: info.Extra["fingerprint"], BaseURL: c.base, Account: acct})
	if err := c.creds.Set(c.profile.Name, CredSigningKeyID, string(b)); err != nil {
		// The upload worked; only remembering the id failed. Say how to
		// supply it instead of failing a command that did its job.
		fmt.Fprintf(c.errOut, "warning: offblocks: could not remember the key id in %s (%v); set the profile's %s to %s\n", c.creds.Source(), err, FieldKeyID, info.KeyID)
	}
	c.keyMu.Lock()
	c.keyID = id
	c.keyMu.Unlock()
	return info, nil
}

// VerificationKeys is the key `hookctl verify` checks deliveries with: the
// cached verification key, fetched when none is cached.
func (c *Client) VerificationKeys(ctx context.Context) ([]signature.Key, error) {
	k, err := c.VerificationKey(ctx, "")
	if err != nil {
		return nil, err
	}
	return []signature.Key{k}, nil
}

// VerificationKey returns OffBlocks' delivery verification key whose id is
// keyID (any id when ""): the keyring's cached one when it matches,
// otherwise the one the API serves now, which then replaces the cache.
// OffBlocks' only form of "rotation" is a new verification key, so a
// delivery naming an unknown keyid is the moment to fetch again. When the
// API's current key has yet another id, that key is returned all the same
// and verification reports the keyid mismatch.
func (c *Client) VerificationKey(ctx context.Context, keyID string) (signature.Key, error) {
	if c.creds != nil {
		if raw, err := c.creds.Get(c.profile.Name, CredVerificationKey); err == nil {
			var vc verificationKeyCache
			if json.Unmarshal([]byte(raw), &vc) == nil && vc.BaseURL == c.base && vc.ID != "" && (keyID == "" || vc.ID == keyID) {
				if pub, err := httpsig.ParsePublicKey([]byte(vc.Key)); err == nil {
					return signature.Key{Name: CredVerificationKey, Public: pub, KeyID: vc.ID}, nil
				}
			}
		}
	}
	var vk verificationKey
	if err := c.call(ctx, http.MethodGet, c.wire.verificationKeyPath, nil, &vk); err != nil {
		return signature.Key{}, fmt.Errorf("fetch the verification key: %w", err)
	}
	if vk.ID == "" || vk.Key == "" {
		return signature.Key{}, fmt.Errorf("offblocks: GET %s: the answer lacks id or key", c.wire.verificationKeyPath)
	}
	pub, err := httpsig.ParsePublicKey([]byte(vk.Key))
	if err != nil {
		return signature.Key{}, fmt.Errorf("offblocks: the verification key %s cannot be read: %w", text.Printable(vk.ID), err)
	}
	if c.creds != nil {
		b, _ := json.Marshal(verificationKeyCache{ID: vk.ID, Key: vk.Key, BaseURL: c.base})
		_ = c.creds.Set(c.profile.Name, CredVerificationKey, string(b)) // a cache: failing to write only costs a fetch
	}
	return signature.Key{Name: CredVerificationKey, Public: pub, KeyID: vk.ID}, nil
}

var _ webhook.KeyRemover = (*Client)(nil)

// RemoveKey is DELETE /v1/auth/signing [DOC]: OffBlocks forgets the
// uploaded key, so requests signed with it stop working. The request is
// signed with that key (the last one it signs), and the key id hookctl
// remembered is forgotten; the private key stays in the keyring, so
// `keys upload` can register it again.
func (c *Client) RemoveKey(ctx context.Context) error {
	s, err := c.requestSigner()
	if err != nil {
		return err
	}
	if err := c.send(ctx, s, http.MethodDelete, c.wire.signingPath, nil, nil); err != nil {
		return fmt.Errorf("remove the signing key: %w", err)
	}
	if err := c.creds.Delete(c.profile.Name, CredSigningKeyID); err != nil && !errors.Is(err, credentials.ErrNotFound) {
		fmt.Fprintf(c.errOut, "warning: offblocks: the key is removed at OffBlocks, but its id could not be forgotten in %s: %v\n", c.creds.Source(), err)
	}
	c.keyMu.Lock()
	c.keyID = ""
	c.keyMu.Unlock()
	return nil
}
