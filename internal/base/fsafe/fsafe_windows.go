//go:build windows

package fsafe

import (
	"fmt"
	"io/fs"
	"os"
)

// Windows has no O_NOFOLLOW: check, then open. The window between the two
// is the best the portable API offers; ownership is left to the ACLs.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s %w", path, ErrSymlink)
	}
	return os.OpenFile(path, flag, perm)
}

func isLoop(error) bool { return false }

func checkOwner(string, fs.FileInfo) error { return nil }
