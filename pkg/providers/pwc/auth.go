package pwc

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// API authentication. PwC's webhook pages say only "Requires
// Authentication" [UNKNOWN]; its sister service taxfiling.pwc.de exposes
// ServiceStack's /auth/{provider}, so the default is ServiceStack
// credentials auth [INF]: POST /auth/credentials {username, password}
// answers a bearerToken (and, with ServiceStack's JWT provider, a
// refreshToken), sent as "Authorization: Bearer". Because nothing public
// confirms it, the profile's login-mode picks another of ServiceStack's
// ways: HTTP Basic on every request, or the login's session cookie.

// opaqueTokenLifetime is how long a bearer token that is not a JWT (so
// carries no expiry) is reused. ServiceStack sessions commonly live for
// hours; ten minutes keeps a stale token from being tried for long, and a
// 401 re-authenticates anyway.
const opaqueTokenLifetime = 10 * time.Minute

// expiryMargin renews a token shortly before it expires, so a request never
// leaves with a token that lapses in flight.
const expiryMargin = time.Minute

// tokenCache is the keyring entry CredToken, a credentials.Cache saved
// under the fingerprint of the API base, login mode, user name and
// password that obtained it: switching a profile to the sandbox, to
// another account or to another login mode, or a changed or wrong
// password, never reuses one login's token.
type tokenCache struct {
	BearerToken      string     `json:"bearer_token"`
	SessionID        string     `json:"session_id,omitempty"` // LoginSession`
	RefreshToken     string     `json:"refresh_token,omitempty"`
	ExpiresAt        time.Time  `json:"expires_at"`
	RefreshExpiresAt *time.Time `json:"refresh_expires_at,omitempty"`
}

// userLogin reads the user name and password (env first) once per
// client, fingerprinted with the API base, and a login mode other than
// the default, for the token cache (with the keyring every read is a
// D-Bus round trip, and bulk rotation makes many requests); absent is
// exit 4. Called with the token session's lock held.
func (c *Client) userLogin() (*credentials.Login, error) {
	if c.cred == nil {
		scope := []string{c.base}
		if c.loginMode != LoginCredentials {
			// A session id is no bearer token. The default adds nothing,
			// so caches from before login-mode stay good.
			scope = append(scope, FieldLoginMode, c.loginMode)
		}
		l, err := c.creds.RequireLogin(c.profile.Name, scope, CredUsername, CredPassword)
		if err != nil {
			return nil, err
		}
		c.cred = l
	}
	return c.cred, nil
}

// Bearer and Valid make it a credentials.Token (nil-safe).
func (t *tokenCache) Bearer() string {
	if t == nil {
		return ""
	}
	return cmp.Or(t.BearerToken, t.SessionID)
}

func (t *tokenCache) Valid(now time.Time) bool {
	return t != nil && t.Bearer() != "" && now.Add(expiryMargin).Before(t.ExpiresAt)
}

func (t *tokenCache) canRefresh(now time.Time) bool {
	return t != nil && t.RefreshToken != "" && (t.RefreshExpiresAt == nil || now.Add(expiryMargin).Before(*t.RefreshExpiresAt))
}

// tokenExpiry is a JWT's exp claim, or now + opaqueTokenLifetime. The JWT
// is not verified: the expiry only decides when to log in again, and the
// server remains the judge of the token.
func tokenExpiry(tok string, now time.Time) time.Time {
	if exp, ok := jwtExpiry(tok); ok {
		return exp
	}
	return now.Add(opaqueTokenLifetime)
}

func jwtExpiry(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	sec, err := claims.Exp.Float64()
	if err != nil || sec <= 0 || sec > float64(dotnetMaxMillis/1000) {
		return time.Time{}, false
	}
	return time.Unix(int64(sec), 0).UTC(), true
}

// token returns a bearer token (credentials.TokenSession.Token): a
// lapsed one is refreshed with its refresh token when it has one.
func (c *Client) token(ctx context.Context, stale string) (string, error) {
	tok, _, err := c.session.Token(ctx, stale)
	return tok, err
}

// Authenticate logs in with the user name and password in effect, never
// using a cached or refreshed token, and caches the new one (`auth
// status`, `auth login`). With HTTP Basic there is no login: GET /auth,
// which a ServiceStack host answers with the caller's session when the
// credentials are good, checks them.
func (c *Client) Authenticate(ctx context.Context) error {
	if c.loginMode != LoginBasic {
		return c.session.Authenticate(ctx)
	}
	l, err := c.basicLogin()
	if err != nil {
		return err
	}
	var ar authResponse
	if _, err := httpclient.DoJSON(ctx, c.http, http.MethodGet, c.base+"/auth", basicHeader(l), nil, &ar); err != nil {
		return c.loginErr(err, l.Values[CredUsername])
	}
	return nil
}

// basicLogin reads the user name and password for HTTP Basic, where no
// token session serialises the read.
func (c *Client) basicLogin() (*credentials.Login, error) {
	c.basicMu.Lock()
	defer c.basicMu.Unlock()
	return c.userLogin()
}

func basicHeader(l *credentials.Login) http.Header {
	basic := base64.StdEncoding.EncodeToString([]byte(l.Values[CredUsername] + ":" + l.Values[CredPassword]))
	return http.Header{"Authorization": {"Basic " + basic}}
}

// authHeader is what authenticates one call in the profile's login mode,
// and the session token it used ("" with HTTP Basic); stale is a token
// the server refused.
func (c *Client) authHeader(ctx context.Context, stale string) (http.Header, string, error) {
	if c.loginMode == LoginBasic {
		l, err := c.basicLogin()
		if err != nil {
			return nil, "", err
		}
		return basicHeader(l), "", nil
	}
	tok, err := c.token(ctx, stale)
	if err != nil {
		return nil, "", err
	}
	if c.loginMode == LoginSession {
		return http.Header{"Cookie": {"ss-id=" + tok}}, tok, nil
	}
	return http.Header{"Authorization": {"Bearer " + tok}}, tok, nil
}

// errNoRefresh: the token has no refresh token that is still good.
var errNoRefresh = errors.New("pwc: no usable refresh token")

// refreshIfAble is the session's Refresh: a token without a usable refresh
// token is logged in again.
func (c *Client) refreshIfAble(ctx context.Context, old *tokenCache) (*tokenCache, error) {
	if !old.canRefresh(c.now()) {
		return nil, errNoRefresh
	}
	return c.refresh(ctx, old)
}

// login runs the credentials login.
func (c *Client) login(ctx context.Context, l *credentials.Login) (*tokenCache, error) {
	user := l.Values[CredUsername]
	var ar authResponse
	// A credentials login only issues tokens, so it is safe to repeat.
	if _, err := httpclient.DoJSON(httpclient.SafeToRetry(ctx), c.http, http.MethodPost, c.base+"/auth/credentials", nil, authRequest{UserName: user, Password: l.Values[CredPassword]}, &ar); err != nil {
		return nil, c.loginErr(err, user)
	}
	now := c.now()
	if c.loginMode == LoginSession {
		if ar.SessionID == "" {
			return nil, fmt.Errorf("pwc: the login answer carries no sessionId, which login-mode %s needs", LoginSession)
		}
		if err := c.checkToken(ar.SessionID, "/auth/credentials"); err != nil {
			return nil, err
		}
		return &tokenCache{SessionID: ar.SessionID, ExpiresAt: now.Add(opaqueTokenLifetime)}, nil
	}
	if ar.BearerToken == "" {
		// [INF] a ServiceStack host without a JWT provider answers a
		// session id only: login-mode session sends it as a cookie.
		return nil, webhook.Errorf(webhook.KindAuth, "pwc: the login answer carries no bearerToken (a session id only)").
			WithHint("this host uses session cookies: `hookctl profile add %s --force ... --%s %s`", c.profile.Name, FieldLoginMode, LoginSession)
	}
	if err := c.checkToken(ar.BearerToken, "/auth/credentials"); err != nil {
		return nil, err
	}
	t := &tokenCache{BearerToken: ar.BearerToken, RefreshToken: ar.RefreshToken, ExpiresAt: tokenExpiry(ar.BearerToken, now)}
	if ar.RefreshToken != "" {
		if exp, ok := jwtExpiry(ar.RefreshToken); ok {
			t.RefreshExpiresAt = &exp
		} else if p := ar.RefreshTokenExpiry; p != nil {
			t.RefreshExpiresAt = p.ptr()
		}
	}
	return t, nil
}

// loginErr explains a refused login (or, with HTTP Basic, a refused
// GET /auth) with the credentials to check.
func (c *Client) loginErr(err error, user string) error {
	e := c.apiErr(err)
	var we *webhook.Error
	if errors.As(e, &we) && we.Kind == webhook.KindAuth {
		we.Msg = "pwc: login as " + text.Printable(user) + " failed: " + strings.TrimPrefix(we.Msg, "pwc: ")
		we.WithHint("the user name or password is wrong: %s", c.creds.RefusedHint(c.profile.Name, CredUsername, CredPassword))
	}
	return e
}

// checkToken refuses a token no Authorization header can carry.
func (c *Client) checkToken(tok, path string) error {
	if err := credentials.CheckToken(tok, "pwc: POST "+c.base+path); err != nil {
		return err.WithHint("check the profile's API base URL (`hookctl profile show %s`; --base-url overrides it)", c.profile.Name)
	}
	return nil
}

// refresh trades the refresh token for a new bearer: POST /access-token.
func (c *Client) refresh(ctx context.Context, old *tokenCache) (*tokenCache, error) {
	var ar accessTokenResponse
	if _, err := httpclient.DoJSON(ctx, c.http, http.MethodPost, c.base+"/access-token", nil, accessTokenRequest{RefreshToken: old.RefreshToken}, &ar); err != nil {
		return nil, err
	}
	if ar.AccessToken == "" {
		return nil, errors.New("pwc: /access-token answered no accessToken")
	}
	if err := c.checkToken(ar.AccessToken, "/access-token"); err != nil {
		return nil, err
	}
	t := *old
	t.BearerToken = ar.AccessToken
	t.ExpiresAt = tokenExpiry(ar.AccessToken, c.now())
	return &t, nil
}
