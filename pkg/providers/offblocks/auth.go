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

// tokenCache is the keyring entry CredToken, a credentials.Cache saved
// under the fingerprint of the API base, key and secret that obtained it:
// pointing a profile at the sandbox or another account, or a changed or
// wrong secret, never reuses one account's token.
type tokenCache struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Bearer and Valid make it a credentials.Token (nil-safe).
func (t *tokenCache) Bearer() string {
	if t == nil {
		return ""
	}
	return t.Token
}

func (t *tokenCache) Valid(now time.Time) bool {
	return t != nil && t.Token != "" && now.Add(expiryMargin).Before(t.ExpiresAt)
}

// apiLogin reads the API key and secret (env first) once per client,
// fingerprinted with the API base for the token cache; absent is exit 4,
// and so is a key that is not a UUID, which OffBlocks API keys are.
// Called with the token session's lock held.
func (c *Client) apiLogin() (*credentials.Login, error) {
	if c.cred != nil {
		return c.cred, nil
	}
	l, err := c.creds.RequireLogin(c.profile.Name, []string{c.base}, CredAPIKey, CredAPISecret)
	if err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(l.Values[CredAPIKey]); err != nil {
		return nil, webhook.Errorf(webhook.KindAuth, "offblocks: the api-key of profile %s is not a UUID, which OffBlocks API keys are", c.profile.Name).
			WithHint("%s", c.creds.RefusedHint(c.profile.Name, CredAPIKey))
	}
	c.cred = l
	return l, nil
}

// token returns a bearer token (credentials.TokenSession.Token).
func (c *Client) token(ctx context.Context, stale string) (tok string, fresh bool, err error) {
	return c.session.Token(ctx, stale)
}

// Authenticate logs in with the API key and secret in effect, never using
// a cached token, and caches the new one (`auth status`, `auth login`).
func (c *Client) Authenticate(ctx context.Context) error { return c.session.Authenticate(ctx) }

// login is POST /v1/auth/token [DOC]. The token endpoint is not signed: it
// is how a client gets the bearer that PUT /v1/auth/signing needs before
// any key is known [INF]. Its body still carries a Content-Digest [DOC:
// every body], and it gets an Idempotency-Key so httpclient may resend it
// after a dropped connection.
func (c *Client) login(ctx context.Context, l *credentials.Login) (*tokenCache, error) {
	body, err := json.Marshal(tokenRequest{APIKey: l.Values[CredAPIKey], APISecret: l.Values[CredAPISecret]})
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Digest", httpsig.ContentDigest(body, c.wire.digest))
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
			we.WithHint("the API key or secret is wrong: %s; live and sandbox keys differ", c.creds.RefusedHint(c.profile.Name, CredAPIKey, CredAPISecret))
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
	return &tokenCache{Token: tr.Token, ExpiresAt: exp}, nil
}
