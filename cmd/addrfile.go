package cmd

import "os"

// writeAddrFile writes addr to path whole (a temporary file renamed into
// place), so a script that sees the file sees the complete address.
func writeAddrFile(path, addr string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
