package pexa

import (
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// manifest: PEXA names a registration by nothing but its id, so its URL
// and events identify it (or a pinned id).
func manifest() provider.Manifest {
	return provider.Manifest{Params: manifestParams}
}

// manifestParams reads the AU v3 authentication settings back; the
// client secret PEXA uses at auth-url is a secret and never read back.
func manifestParams(r webhook.Registration) map[string]string {
	out := map[string]string{}
	if v, ok := r.Extra["authentication_mode"].(string); ok && v != "" {
		out[ParamAuthMode] = v
	}
	ac, _ := r.Extra["auth_config"].(map[string]any)
	for key, param := range map[string]string{
		"auth_url": ParamAuthURL, "client_id": ParamAuthClientID, "client_auth_method": ParamAuthClientAuthMethod,
		"audience": ParamAuthAudience, "scope": ParamAuthScope,
	} {
		if v, ok := ac[key].(string); ok && v != "" {
			out[param] = v
		}
	}
	return out
}
