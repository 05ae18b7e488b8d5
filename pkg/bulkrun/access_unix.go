//go:build unix

package bulkrun

import "golang.org/x/sys/unix"

// writableDir reports whether this process may create files in dir.
func writableDir(dir string) error { return unix.Access(dir, unix.W_OK|unix.X_OK) }
