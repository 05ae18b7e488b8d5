// Package providers is the registry of provider packages. It is the only
// place that imports them all; commands look providers up here by id.
package providers

import (
	"fmt"
	"strings"

	"github.com/hookctl/hookctl/pkg/providers/offblocks"
	"github.com/hookctl/hookctl/pkg/providers/pexa"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/providers/pwc"
	"github.com/hookctl/hookctl/pkg/providers/solvimon"
)

// registry is every provider: its id and its spec, in a stable order.
// Building a spec builds its fields, credentials and assumptions, so
// Lookup and Names build none but the one asked for.
var registry = []struct {
	name string
	spec func() provider.Spec
}{
	{pexa.Name, pexa.Spec},
	{solvimon.Name, solvimon.Spec},
	{offblocks.Name, offblocks.Spec},
	{pwc.Name, pwc.Spec},
}

// All returns every provider's spec in a stable order.
func All() []provider.Spec {
	out := make([]provider.Spec, len(registry))
	for i, r := range registry {
		out[i] = r.spec()
	}
	return out
}

// Names lists provider ids.
func Names() []string {
	out := make([]string, len(registry))
	for i, r := range registry {
		out[i] = r.name
	}
	return out
}

// Lookup finds a provider by id.
func Lookup(name string) (provider.Spec, error) {
	for _, r := range registry {
		if r.name == name {
			return r.spec(), nil
		}
	}
	return provider.Spec{}, fmt.Errorf("unknown provider %q (known: %s)", name, strings.Join(Names(), ", "))
}
