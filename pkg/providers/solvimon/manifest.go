package solvimon

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// manifest: a Solvimon webhook is named by its reference, which is
// required on create: the API's own stable name for it. That the account
// keeps it unique is assumed, not documented (Assumptions); a pinned id
// does without it.
func manifest() provider.Manifest {
	return provider.Manifest{
		Identity: func(_ string, _ []string, params map[string]string) string {
			if r := params[ParamReference]; r != "" {
				return "reference=" + r
			}
			return ""
		},
		Params: manifestParams,
	}
}

// manifestParams reads back what register would have been given, with
// Solvimon's defaults spelled out so a manifest stating them matches.
func manifestParams(r webhook.Registration) map[string]string {
	out := map[string]string{}
	str := func(key, param string) {
		if v, ok := r.Extra[key].(string); ok && v != "" {
			out[param] = v
		}
	}
	str("reference", ParamReference)
	str("authentication_type", ParamAuthType)
	str("username", ParamUsername)
	str("api_header_field", ParamAPIHeaderField)
	str("signing_protocol", ParamSigningProtocol)
	if v, ok := r.Extra["include_previous_data"].(bool); ok {
		out[ParamIncludePreviousData] = strconv.FormatBool(v)
	}
	if l, ok := r.Extra["excluded_actions"].([]string); ok && len(l) > 0 {
		out[ParamExcludedActions] = strings.Join(l, ",")
	} else if l, ok := r.Extra["excluded_actions"].([]any); ok && len(l) > 0 {
		parts := make([]string, len(l))
		for i, v := range l {
			parts[i] = fmt.Sprint(v)
		}
		out[ParamExcludedActions] = strings.Join(parts, ",")
	}
	return out
}
