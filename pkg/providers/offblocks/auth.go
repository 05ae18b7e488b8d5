package offblocks

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// expiryMargin renews a token a minute before OffBlocks' expiresAt, so a
// request never leaves with a token that lapses in flight.
const expiryMargin = time.Minute

// unknownTokenLifetime is used when the token answer has no expiresAt
// [INF]: short, since a 401 logs in again anyway.
const unknownTokenLifetime = 5 * time.Minute

// tokenCache is the keyring entry CredToken. It names the API base and the
// API key it belongs to, so pointing a profile at the sandbox or another
// account never sends one account's token to another.
type tokenCache struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	BaseURL   string    `json:"base_url"`
	APIKey    string    `json:"api_key"`
}

func (t *tokenCache) valid(now time.Time) bool {
	return t != nil && t.Token != "" && now.Add(expiryMargin).Before(t.ExpiresAt)
}

// token returns a bearer token: the one in memory, the keyring's cache, or
// a fresh login. stale is a token the API just rejected: it is dropped
// (memory and keyring) and replaced by a login. fresh reports that the
// token was minted for this call, so a 401 with it is not worth a second
// login. The lock is held across the login so concurrent calls log in once.
func (c *Client) token(ctx context.Context, stale string) (tok string, fresh bool, err error) {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	apiKey, err := c.lookup(CredAPIKey)
	if err != nil {
		return "", false, err
	}
	now := c.now()
	if c.tok == nil && !c.cacheRead {
		c.cacheRead = true
		c.tok = c.readTokenCache(apiKey)
	}
	switch {
	case stale == "" && c.tok.valid(now):
		return c.tok.Token, false, nil
	case stale != "" && c.tok.valid(now) && c.tok.Token != stale:
		return c.tok.Token, true, nil // another call already replaced it
	case stale != "":
		c.tok = nil
		c.cache.Drop() // best effort: the login below overwrites it anyway
	}
	t, err := c.login(ctx, apiKey)
	if err != nil {
		return "", false, err
	}
	c.setToken(t)
	return t.Token, true, nil
}

// lookup reads a login credential (env first); absent is exit 4.
func (c *Client) lookup(name string) (string, error) {
	return c.creds.Require(c.profile.Name, name)
}

// readTokenCache loads the cached token from the keyring only (Get, not
// Lookup: HOOKCTL_TOKEN is Solvimon's bearer variable, not this cache). A
// failure just means "no cache": an unreachable keyring in CI must not stop
// env-var logins.
func (c *Client) readTokenCache(apiKey string) *tokenCache {
	var t tokenCache
	if !c.cache.Load(&t) || t.BaseURL != c.base || t.APIKey != apiKey {
		return nil
	}
	return &t
}

// setToken keeps t in memory and in the keyring. A failed write only costs
// a login next time; after a failed read it is not attempted (a hung Secret
// Service would cost its timeout twice).
func (c *Client) setToken(t *tokenCache) {
	c.tok = t
	c.cache.Save(t)
}

// login is POST /v1/auth/token [DOC]. The token endpoint is not signed: it
// is how a client gets the bearer that PUT /v1/auth/signing needs before
// any key is known [INF]. Its body still carries a Content-Digest [DOC:
// every body], and it gets an Idempotency-Key so httpclient may resend it
// after a dropped connection.
func (c *Client) login(ctx context.Context, apiKey string) (*tokenCache, error) {
	if _, err := uuid.Parse(apiKey); err != nil {
		return nil, webhook.Errorf(webhook.KindAuth, "offblocks: the api-key of profile %s is not a UUID, which OffBlocks API keys are", c.profile.Name).
			WithHint("run `hookctl auth login -p %s`, or set HOOKCTL_API_KEY", c.profile.Name)
	}
	secret, err := c.lookup(CredAPISecret)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(tokenRequest{APIKey: apiKey, APISecret: secret})
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Digest", httpsig.ContentDigest(body, digestAlgorithm))
	h.Set("Idempotency-Key", uuid.NewString())
	var tr tokenResponse
	if _, err := httpclient.DoJSON(ctx, c.http, http.MethodPost, c.base+"/v1/auth/token", h, body, &tr); err != nil {
		e := c.apiErr(err)
		var we *webhook.Error
		var se *httpclient.StatusError
		// [DOC] 400 and 401 both answer "Invalid credentials".
		if errors.As(err, &se) && (se.Status == http.StatusBadRequest || se.Status == http.StatusUnauthorized) && errors.As(e, &we) {
			we.Kind = webhook.KindAuth
			we.Msg = "offblocks: login failed: " + trimPrefix(we.Msg)
			we.WithHint("check the API key and secret: run `hookctl auth login -p %s`, or set HOOKCTL_API_KEY and HOOKCTL_API_SECRET; live and sandbox keys differ", c.profile.Name)
		}
		return nil, e
	}
	if tr.Token == "" {
		return nil, errors.New("offblocks: the token answer carries no token")
	}
	if err := credentials.CheckToken(tr.Token, "offblocks: POST "+c.base+"/v1/auth/token"); err != nil {
		return nil, err.WithHint("check the profile's API base URL (`hookctl profile show %s`; --base-url overrides it)", c.profile.Name)
	}
	now := c.now()
	exp := now.Add(unknownTokenLifetime)
	switch {
	case tr.ExpiresAt > 1e11:
		// Milliseconds, though the docs say seconds: a seconds value this
		// large would lie thousands of years ahead.
		exp = time.UnixMilli(int64(tr.ExpiresAt)).UTC()
	case tr.ExpiresAt > 0:
		exp = time.Unix(int64(tr.ExpiresAt), 0).UTC()
	}
	return &tokenCache{Token: tr.Token, ExpiresAt: exp, BaseURL: c.base, APIKey: apiKey}, nil
}
