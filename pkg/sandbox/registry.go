package sandbox

import (
	"github.com/hookctl/hookctl/internal/emulator"
	offblocksemu "github.com/hookctl/hookctl/internal/emulator/offblocks"
	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	solvimonemu "github.com/hookctl/hookctl/internal/emulator/solvimon"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// Entries are the emulators the sandbox serves, one registry line per
// provider, in the order `sandbox --help` lists them.
func Entries() []emulator.Entry {
	return []emulator.Entry{
		pexaemu.Entry(),
		solvimonemu.Entry(),
		offblocksemu.Entry(),
		fromSpec("pwc", "user sandbox / password pwc-pass-7c41e9b2d05a3f (tax number\nDE123456789, account 1234567890)"),
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
