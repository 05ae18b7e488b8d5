package sandbox

import (
	"github.com/hookctl/hookctl/internal/emulator"
	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// Entries are the emulators the sandbox serves, one registry line per
// provider, in the order `sandbox --help` lists them.
func Entries() []emulator.Entry {
	return []emulator.Entry{
		fromSpec("pexa", "client sandbox-client / secret sandbox-secret (every scope);\nclient sandbox-client-v1, same secret: v1 API scopes only"),
		fromSpec("solvimon", "API key sandbox-api-key (or Bearer token sandbox-token)"),
		fromSpec("offblocks", "API key 00000000-0000-4000-8000-000000000000 / secret sandbox-secret"),
		pwcemu.Entry(),
	}
}

// fromSpec adapts an emulator that still lives in its client package.
// TODO(issue 15): remove once every emulator is in internal/emulator.
func fromSpec(name, help string) emulator.Entry {
	spec, err := providers.Lookup(name)
	if err != nil {
		panic(err)
	}
	e := emulator.Entry{Name: name, Help: help, New: func(o emulator.Options) emulator.Emulator {
		return spec.NewSandbox(provider.SandboxOptions{BaseURL: o.BaseURL, Now: o.Now, HTTP: o.HTTP})
	}}
	if d := spec.Demo; d != nil {
		e.Demo = &emulator.Demo{Env: d.Env, Setup: d.Setup, Register: d.Register, UpdateURL: d.UpdateURL, Event: d.Event, Rotate: d.Rotate}
	}
	return e
}
