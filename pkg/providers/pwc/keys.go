package pwc

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// The profile's key pair as webhook.KeyManager (`hookctl keys generate |
// show`), and its use by the client. The crypto itself is in rsakey.go.

// privateKey loads the profile's RSA key (HOOKCTL_RSA_KEY wins over the
// keyring) once.
func (c *Client) privateKey() (*rsa.PrivateKey, error) {
	c.keyMu.Lock()
	defer c.keyMu.Unlock()
	if c.key != nil {
		return c.key, nil
	}
	if c.creds == nil {
		return nil, c.missingKey()
	}
	pemText, src, err := c.creds.Lookup(c.profile.Name, CredRSAKey)
	if errors.Is(err, credentials.ErrNotFound) || (err == nil && pemText == "") {
		return nil, c.missingKey()
	}
	if err != nil {
		return nil, fmt.Errorf("pwc: reading the rsa-key of profile %s: %w", c.profile.Name, err)
	}
	k, err := parsePrivateKeyPEM(pemText)
	if err != nil {
		where := "the keyring"
		if src == credentials.SourceEnv {
			where = c.creds.EnvVarFor(c.profile.Name, CredRSAKey)
		}
		return nil, webhook.Errorf(webhook.KindAuth, "pwc: the rsa-key in %s is unusable: %v", where, err).
			WithHint("run `hookctl keys generate -p %s --force` to create a new key pair", c.profile.Name)
	}
	c.key = k
	return k, nil
}

func (c *Client) missingKey() error {
	return webhook.Errorf(webhook.KindAuth, "pwc: profile %q has no RSA key pair (PwC encrypts the secrets it returns to it)", c.profile.Name).
		WithHint("run `hookctl keys generate -p %s`, or set %s to a PEM private key", c.profile.Name, credentials.ProfileEnvVar(c.profile.Name, CredRSAKey))
}

// publicKeyXML is the publicKeyXml sent on create and update.
func (c *Client) publicKeyXML() (string, error) {
	k, err := c.privateKey()
	if err != nil {
		return "", err
	}
	return RSAKeyValueXML(&k.PublicKey), nil
}

// GenerateKey creates an RSA-3072 key pair and stores the private key
// (PKCS#8 PEM, about 2.5 KiB, which the keyring backend chunks) under
// rsa-key. It refuses to replace a stored key unless force: subscriptions
// keep returning secrets encrypted to the old key until they are updated.
func (c *Client) GenerateKey(_ context.Context, force bool) (*webhook.PublicKeyInfo, error) {
	if c.creds == nil {
		return nil, errors.New("pwc: no credential store to keep the private key in")
	}
	if !force {
		_, err := c.creds.Get(c.profile.Name, CredRSAKey)
		if err == nil {
			return nil, webhook.Invalid("pwc: profile %s already has an RSA key pair", c.profile.Name).
				WithHint("`hookctl keys show -p %s` prints it; --force replaces it, after which secrets of existing subscriptions only decrypt again once each subscription is updated", c.profile.Name)
		}
		if !errors.Is(err, credentials.ErrNotFound) {
			return nil, fmt.Errorf("pwc: checking for an existing rsa-key: %w", err)
		}
	}
	k, err := generateRSAKey(RSAKeyBits)
	if err != nil {
		return nil, err
	}
	p, err := marshalPrivateKeyPEM(k)
	if err != nil {
		return nil, err
	}
	if err := c.creds.Set(c.profile.Name, CredRSAKey, p); err != nil {
		return nil, fmt.Errorf("pwc: storing the private key: %w", err)
	}
	if _, src, err := c.creds.Lookup(c.profile.Name, CredRSAKey); err == nil && src == credentials.SourceEnv {
		fmt.Fprintf(c.errOut, "warning: %s is set and overrides the key just stored in %s\n", c.creds.EnvVarFor(c.profile.Name, CredRSAKey), c.creds.Source())
	}
	c.keyMu.Lock()
	c.key = k
	c.keyMu.Unlock()
	return publicKeyInfo(&k.PublicKey)
}

// PublicKey describes the profile's key pair; Extra["xml"] is the
// publicKeyXml hookctl sends.
func (c *Client) PublicKey(context.Context) (*webhook.PublicKeyInfo, error) {
	k, err := c.privateKey()
	if err != nil {
		return nil, err
	}
	return publicKeyInfo(&k.PublicKey)
}
