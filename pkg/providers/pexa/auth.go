package pexa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// tokenSkew is how long before its expiry a token stops being used, so a
// request never leaves with a token that dies on the way (PEXA itself uses
// the same 60 s buffer for the tokens it caches, per its webhooks guide).
const tokenSkew = 60 * time.Second

// cachedToken is one access token and when it stops being usable.
type cachedToken struct {
	AccessToken string    `json:"access_token"`
	Expiry      time.Time `json:"expiry"`
}

// tokenCache is the keyring entry "<profile>/token": a credentials.Cache
// saved under the fingerprint of the login that obtained its tokens (see
// login), so a changed client id, token URL, audience or secret never
// reuses one. It holds a token per scope set (scopeKey), as each operation
// asks for its own scopes.
type tokenCache struct {
	Tokens map[string]cachedToken `json:"tokens"`
}

// usable: not expired within the skew. A zero expiry (the endpoint sent no
// expires_in) is only ever held in memory, never cached, so it is good for
// this process's run.
func (t *cachedToken) usable(now time.Time) bool {
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || now.Add(tokenSkew).Before(t.Expiry))
}

// scopes is what op's token asks for: the profile's scopes setting when
// set (New refuses a malformed one), else the operation's own scope in the
// profile's region.
func (c *Client) scopes(op apiOp) []string {
	if sc, err := parseScopes(c.profile.Setting(FieldScopes)); err == nil {
		return sc
	}
	return []string{operationScopes[c.profile.Region][op]}
}

// scopeKey names a scope set in the token cache: order does not matter.
func scopeKey(scopes []string) string {
	return strings.Join(slices.Sorted(slices.Values(scopes)), " ")
}

// login reads the client secret (env first) once per client,
// fingerprinted with everything else a token depends on (token URL, client
// id, audience) for the token cache; absent is exit 4. Called with tokMu
// held.
func (c *Client) login() (*credentials.Login, error) {
	if c.cred == nil {
		l, err := c.creds.RequireLogin(c.profile.Name,
			[]string{c.ep.token, c.profile.Setting(FieldClientID), c.profile.Setting(FieldAudience)}, CredClientSecret)
		if err != nil {
			return nil, err
		}
		c.cred = l
	}
	return c.cred, nil
}

// accessToken returns a token for op's scopes: the one in memory, else
// the keyring's when it was obtained with this very login, else a new one
// from the token endpoint (then cached beside the other scope sets'). The
// lock makes concurrent calls (bulk rotation) share one fetch.
func (c *Client) accessToken(ctx context.Context, op apiOp) (string, error) {
	scopes := c.scopes(op)
	key := scopeKey(scopes)
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	now := c.now()
	if t := c.toks[key]; t.usable(now) {
		return t.AccessToken, nil
	}
	l, err := c.login()
	if err != nil {
		return "", err
	}
	c.loadTokens(l)
	if t := c.toks[key]; t.usable(now) {
		return t.AccessToken, nil
	}
	return c.newToken(ctx, l, scopes)
}

// loadTokens reads the keyring's tokens once per client, keeping those
// obtained with this very login; what is in memory wins. Called with
// tokMu held.
func (c *Client) loadTokens(l *credentials.Login) {
	if c.tokLoaded {
		return
	}
	c.tokLoaded = true
	var saved tokenCache
	if !c.cache.Load(l.Fingerprint, &saved) {
		return
	}
	now := c.now()
	for k, t := range saved.Tokens {
		// The cache is local state: a token that could not have been
		// cached (no expiry, bytes no header can carry) is not used.
		if _, ok := c.toks[k]; !ok && !t.Expiry.IsZero() && t.usable(now) && credentials.CheckToken(t.AccessToken, "") == nil {
			c.toks[k] = &t
		}
	}
}

// Authenticate asks the token endpoint for a new token with the client
// secret in effect, never using a cached one, and caches it: `auth status`
// and `auth login` check the credentials themselves this way. It asks for
// register's scopes, which every client of hookctl needs (or the profile's
// scopes setting).
func (c *Client) Authenticate(ctx context.Context) error {
	if c.epErr != nil {
		return c.epErr
	}
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	l, err := c.login()
	if err != nil {
		return err
	}
	c.loadTokens(l) // the other scope sets' tokens stay cached
	_, err = c.newToken(ctx, l, c.scopes(opCreate))
	return err
}

// newToken fetches a token and keeps it in memory and, when it has an
// expiry, in the cache. Called with tokMu held.
func (c *Client) newToken(ctx context.Context, l *credentials.Login, scopes []string) (string, error) {
	t, err := c.fetchToken(ctx, l, scopes)
	if err != nil {
		return "", err
	}
	c.toks[scopeKey(scopes)] = t
	if !t.Expiry.IsZero() {
		c.saveTokens(l)
	}
	return t.AccessToken, nil
}

// saveTokens writes every token with an expiry that is still usable to
// the keyring, replacing the entry. Called with tokMu held.
func (c *Client) saveTokens(l *credentials.Login) {
	out := tokenCache{Tokens: map[string]cachedToken{}}
	now := c.now()
	for k, t := range c.toks {
		if !t.Expiry.IsZero() && t.usable(now) {
			out.Tokens[k] = *t
		}
	}
	if len(out.Tokens) == 0 {
		c.cache.Drop()
		return
	}
	c.cache.Save(l.Fingerprint, out)
}

// dropToken forgets a token the API refused, in memory and in the keyring,
// unless another goroutine already replaced it.
func (c *Client) dropToken(rejected string) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	for k, t := range c.toks {
		if t.AccessToken == rejected {
			delete(c.toks, k)
			if c.cred != nil {
				c.saveTokens(c.cred)
			} else {
				c.cache.Drop()
			}
			return
		}
	}
}

// fetchToken runs the client-credentials grant for scopes. The request
// goes through hookctl's HTTP client (tracing, timeouts); as a POST
// without an idempotency key it is never retried blindly.
func (c *Client) fetchToken(ctx context.Context, l *credentials.Login, scopes []string) (*cachedToken, error) {
	cfg := clientcredentials.Config{
		ClientID:     c.profile.Setting(FieldClientID),
		ClientSecret: l.Values[CredClientSecret],
		TokenURL:     c.ep.token,
		Scopes:       scopes,
		// Auto-detect tries HTTP Basic, then the form body: Auth0 tenants
		// accept one or the other depending on the application's settings.
		AuthStyle: oauth2.AuthStyleAutoDetect,
	}
	if aud := c.profile.Setting(FieldAudience); aud != "" {
		cfg.EndpointParams = url.Values{"audience": {aud}}
	}
	requested := c.now()
	// A client-credentials token request changes nothing at PEXA, so the
	// HTTP client may repeat it after a 5xx, timeout or reset.
	tok, err := cfg.Token(context.WithValue(httpclient.SafeToRetry(ctx), oauth2.HTTPClient, c.http))
	if err != nil {
		return nil, c.tokenErr(err, scopes)
	}
	if tok.AccessToken == "" {
		return nil, fmt.Errorf("pexa: the token endpoint %s answered without an access_token", c.ep.token)
	}
	if err := credentials.CheckToken(tok.AccessToken, "pexa: the token endpoint "+c.ep.token); err != nil {
		return nil, err.WithHint("check that the profile's token URL is PEXA's token endpoint for %s (`hookctl profile add %s ... --token-url URL`)",
			describeRegion(c.profile.Region), c.profile.Name)
	}
	t := cachedToken{AccessToken: tok.AccessToken}
	// expires_in measured on our clock from when we asked, so a late
	// answer errs on the early side (and tests can move the clock).
	// clientcredentials keeps it only in the raw answer.
	switch secs := expiresIn(tok); {
	case secs > 0:
		t.Expiry = requested.Add(time.Duration(secs) * time.Second)
	case !tok.Expiry.IsZero():
		t.Expiry = c.now().Add(time.Until(tok.Expiry))
	}
	return &t, nil
}

// expiresIn reads the answer's expires_in (a number, or a string at some
// providers), 0 when absent.
func expiresIn(tok *oauth2.Token) int64 {
	if tok.ExpiresIn > 0 {
		return tok.ExpiresIn
	}
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	case json.Number:
		n, _ := v.Int64()
		return n
	}
	return 0
}

// tokenErr turns a failed token request into a typed error that says what
// to do.
func (c *Client) tokenErr(err error, scopes []string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return httpclient.Classify(fmt.Errorf("pexa: token request to %s: %w", c.ep.token, err))
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	desc := text.Printable(re.ErrorDescription)
	if desc == "" {
		desc = text.Printable(re.ErrorCode)
	}
	if desc == "" {
		desc = snippet(re.Body)
	}
	msg := fmt.Sprintf("pexa: the token endpoint %s refused client %q", c.ep.token, c.profile.Setting(FieldClientID))
	if desc != "" {
		msg += ": " + desc
	}
	msg += fmt.Sprintf(" (HTTP %d)", status)
	switch {
	case status == http.StatusUnauthorized || re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client":
		// The hint follows where the secret came from:
		// `auth login` is no fix for a variable that wins over it, nor
		// for the value `auth login` itself was just given.
		return (&webhook.Error{Kind: webhook.KindAuth, Msg: msg, Status: status}).WithHint(
			"the client id or secret is wrong: %s; the client id is the profile's (%q, `hookctl profile show %s`), and UK and AU, prod and test have different clients",
			c.creds.RefusedHint(c.profile.Name, CredClientSecret), c.profile.Setting(FieldClientID), c.profile.Name)
	case status == http.StatusForbidden || re.ErrorCode == "access_denied" || re.ErrorCode == "invalid_scope":
		return (&webhook.Error{Kind: webhook.KindAuth, Msg: msg, Status: status}).WithHint("%s", c.scopeAdvice(scopes))
	case status == http.StatusTooManyRequests:
		return &webhook.Error{Kind: webhook.KindRateLimited, Msg: msg, Status: status}
	}
	return &webhook.Error{Kind: webhook.KindError, Msg: msg, Status: status}
}

// scopeAdvice says which scopes were asked for and how to get past a
// refusal: a grant from PEXA, or the profile's scopes setting.
func (c *Client) scopeAdvice(scopes []string) string {
	from := "the scope this operation needs"
	if c.profile.Setting(FieldScopes) != "" {
		from = "the profile's scopes setting"
	}
	return fmt.Sprintf("hookctl asked for %s (%s); ask PEXA (apisupport) to grant it to client %s, or set the scopes your client has with `hookctl profile add %s ... --scopes 'A B'`",
		strings.Join(scopes, " "), from, c.profile.Setting(FieldClientID), c.profile.Name)
}

func (c *Client) warnf(format string, args ...any) {
	fmt.Fprintf(c.errOut, format+"\n", args...)
}
