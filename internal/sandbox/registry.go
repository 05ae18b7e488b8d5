package sandbox

import (
	"github.com/hookctl/hookctl/internal/emulator"
	offblocksemu "github.com/hookctl/hookctl/internal/emulator/offblocks"
	pexaemu "github.com/hookctl/hookctl/internal/emulator/pexa"
	pwcemu "github.com/hookctl/hookctl/internal/emulator/pwc"
	solvimonemu "github.com/hookctl/hookctl/internal/emulator/solvimon"
)

// Entries are the emulators the sandbox serves, one registry line per
// provider, in the order `sandbox --help` lists them.
func Entries() []emulator.Entry {
	return []emulator.Entry{
		pexaemu.Entry(),
		solvimonemu.Entry(),
		offblocksemu.Entry(),
		pwcemu.Entry(),
	}
}
