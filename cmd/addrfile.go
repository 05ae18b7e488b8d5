package cmd

import "github.com/hookctl/hookctl/internal/base/fsafe"

// writeAddrFile writes addr to path whole (a temporary file renamed into
// place), so a script that sees the file sees the complete address.
func writeAddrFile(path, addr string) error {
	return fsafe.WriteFile(path, []byte(addr+"\n"), 0o600)
}
