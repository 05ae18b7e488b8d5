// Package fsafe opens and checks the local files hookctl trusts with secrets
// or with decisions (journal, locks, secret sinks, replay databases) without
// following symbolic links, and refuses directories and files that another
// user owns or could write: a state directory restored from a poisoned CI
// cache, or a symlink planted where a lock or a sink file goes, must stop a
// run with a clear error instead of steering it.
package fsafe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrSymlink reports a path that is a symbolic link where a plain file or
// directory is required.
var ErrSymlink = errors.New("is a symbolic link; hookctl does not follow links for its state and secret files")

// OpenFile is os.OpenFile that refuses to follow a symbolic link at the last
// component of path (O_NOFOLLOW where the platform has it).
func OpenFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := openNoFollow(path, flag, perm)
	if err != nil {
		if isLoop(err) {
			return nil, fmt.Errorf("%s %w", path, ErrSymlink)
		}
		return nil, err
	}
	return f, nil
}

// CheckDir checks an existing directory hookctl keeps state in: not a
// symbolic link (unless followLink), owned by the current user, and not
// writable by group or others. A missing directory is fine: hookctl creates
// it 0700.
func CheckDir(path string, followLink bool) error {
	stat := os.Lstat
	if followLink {
		stat = os.Stat
	}
	fi, err := stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s %w", path, ErrSymlink)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", path)
	}
	return checkOwner(path, fi)
}

// CheckFile checks an existing file hookctl reads decisions from: a regular
// file (not a link), owned by the current user, not writable by group or
// others. A missing file is fine.
func CheckFile(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s %w", path, ErrSymlink)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	return checkOwner(path, fi)
}
