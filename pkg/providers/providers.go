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

// All returns every provider's spec in a stable order.
func All() []provider.Spec {
	return []provider.Spec{
		pexa.Spec(),
		solvimon.Spec(),
		offblocks.Spec(),
		pwc.Spec(),
	}
}

// Names lists provider ids.
func Names() []string {
	var out []string
	for _, s := range All() {
		out = append(out, s.Name)
	}
	return out
}

// Lookup finds a provider by id.
func Lookup(name string) (provider.Spec, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	return provider.Spec{}, fmt.Errorf("unknown provider %q (known: %s)", name, strings.Join(Names(), ", "))
}
