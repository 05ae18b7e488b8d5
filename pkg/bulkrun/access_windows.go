//go:build windows

package bulkrun

// writableDir: Windows has no access(2); the first delivery reports a
// directory that refuses files.
func writableDir(string) error { return nil }
