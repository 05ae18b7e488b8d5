//go:build unix

package credentials

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The modes must not depend on the user's umask: with umask 0 a careless
// os.WriteFile(path, b, 0644) would show.
func TestFilePermissions(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	dir := filepath.Join(t.TempDir(), "state", "hookctl")
	path := filepath.Join(dir, "credentials.json")
	f := NewFile(path)
	if err := f.Set("p/api-key", "v"); err != nil {
		t.Fatal(err)
	}
	mode := func(p string) os.FileMode {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	if m := mode(dir); m != 0o700 {
		t.Errorf("directory mode %o, want 700", m)
	}
	if m := mode(filepath.Dir(dir)); m != 0o700 {
		t.Errorf("created parent mode %o, want 700", m)
	}
	for _, p := range []string{path, path + ".lock"} {
		if m := mode(p); m != 0o600 {
			t.Errorf("%s mode %o, want 600", filepath.Base(p), m)
		}
	}
	// A file loosened by hand is tightened by the next write.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("p/api-key", "v2"); err != nil {
		t.Fatal(err)
	}
	if m := mode(path); m != 0o600 {
		t.Errorf("mode after rewrite %o, want 600", m)
	}
}
