package pexa

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

// The scopes each region's API defines [docs/providers/pexa.md 1.3; AU: the
// OpenAPI's securitySchemes]. The UK defines them per API version: v1 has
// no view:notification_registrations, which comes with v2 (and the v2 GET
// is the only read).
var (
	ukV1Scopes = []string{"create:notification_registrations", "edit:notification_registrations", "delete:notification_registrations",
		"create:notification_registrations_secret_rotation", "view:notifications", "create:notification_retry", "create:webhook_domains"}
	ukV2Scopes = []string{"create:notification_registrations", "edit:notification_registrations", "delete:notification_registrations",
		"view:notification_registrations", "create:notification_retry"}
	auScopes = []string{"view:notification_registrations", "create:notification_registrations", "edit:notification_registrations",
		"delete:notification_registrations", "create:notification_registrations_secret_rotation"}
)

// GrantedScopes are what a sandbox client may ask for in a region: the
// sandbox client every scope the region defines, the v1 client those of
// the v1 API (in AU, every scope but the v2 read's) [closest: Auth0 grants
// per API].
func GrantedScopes(clientID, region string) []string {
	switch {
	case region == RegionUK && clientID == SandboxV1ClientID:
		return slices.Clone(ukV1Scopes)
	case region == RegionUK:
		out := slices.Clone(ukV1Scopes)
		for _, sc := range ukV2Scopes {
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
		return out
	case clientID == SandboxV1ClientID:
		return slices.DeleteFunc(slices.Clone(auScopes), func(s string) bool { return s == "view:notification_registrations" })
	}
	return slices.Clone(auScopes)
}

// token is the client-credentials grant, shaped like Auth0 (which PEXA's
// token hosts are [docs/providers/pexa.md 1.2]): client_secret_basic or
// client_secret_post, a 401 access_denied "Unauthorized" for a wrong
// client, and a 403 access_denied naming scopes the client was not
// granted [closest: Auth0].
func (e *Emulator) token(w http.ResponseWriter, r *http.Request, region string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	form := r.PostForm
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 2.3.1: Basic credentials are form-urlencoded first.
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
		if form.Get("client_secret") != "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "use one client authentication method")
			return
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("Unsupported grant type: %s", gt))
		return
	}
	if (id != SandboxClientID && id != SandboxV1ClientID) || secret != SandboxClientSecret {
		oauthError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	e.mu.Lock()
	granted := GrantedScopes(id, region)
	if e.granted != nil {
		granted = slices.Clone(e.granted)
	}
	e.mu.Unlock()
	if asked := strings.Fields(form.Get("scope")); len(asked) > 0 {
		var missing []string
		for _, sc := range asked {
			if !slices.Contains(granted, sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			oauthError(w, http.StatusForbidden, "access_denied", "Client has not been granted scopes: "+strings.Join(missing, ", "))
			return
		}
		granted = asked
	}
	t := &issuedToken{Token: base64.RawURLEncoding.EncodeToString(emulator.RandomBytes(32)), Region: region, Scopes: slices.Clone(granted)}
	e.mu.Lock()
	now := e.now()
	t.Expiry = now.Add(tokenLifetime)
	for k, old := range e.tokens {
		if !now.Before(old.Expiry) {
			delete(e.tokens, k)
		}
	}
	e.tokens[t.Token] = t
	e.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": t.Token,
		"token_type":   "Bearer",
		"expires_in":   int(tokenLifetime / time.Second),
		"scope":        strings.Join(granted, " "),
	})
}

// oauthError is RFC 6749 5.2's error answer.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
