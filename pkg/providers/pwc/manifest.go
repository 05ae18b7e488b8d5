package pwc

import (
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// manifest: a PwC subscription has one event and a name; together they
// name it (the account may hold one subscription per name and event
// that a manifest means). Without a name, URL and event identify it.
func manifest() provider.Manifest {
	return provider.Manifest{
		// A subscription has exactly one event (see AllEvents.Refusal).
		OneEvent: true,
		Identity: func(name string, events []string, _ map[string]string) string {
			if name == "" || len(events) != 1 {
				return ""
			}
			return "name=" + name + " event=" + events[0]
		},
		Params: func(r webhook.Registration) map[string]string {
			// application/json is the only content type PwC accepts, so
			// it is left out unless the subscription says otherwise.
			if ct, ok := r.Extra["content_type"].(string); ok && ct != "" && ct != ContentTypeJSON {
				return map[string]string{ParamContentType: ct}
			}
			return map[string]string{}
		},
	}
}
