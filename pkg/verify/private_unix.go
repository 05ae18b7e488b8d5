//go:build !windows

package verify

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// openPrivate opens a state file as bbolt.Options.OpenFile: never through
// a symbolic link, and only a regular file of this user that no one else
// may read or write. The checks are on the opened descriptor, so the file
// cannot be swapped between check and use.
func openPrivate(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
	if errors.Is(err, unix.ELOOP) {
		return nil, webhook.Errorf(webhook.KindUsage, "seen db %s is a symbolic link; give the path of the file itself", path)
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	uid := -1
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		uid = int(sys.Uid)
	}
	switch {
	case !st.Mode().IsRegular():
		err = webhook.Errorf(webhook.KindUsage, "seen db %s is not a regular file", path)
	case uid != os.Geteuid():
		err = webhook.Errorf(webhook.KindUsage, "seen db %s belongs to uid %d, not to you (uid %d)", path, uid, os.Geteuid())
	case st.Mode().Perm()&0o077 != 0:
		err = webhook.Errorf(webhook.KindUsage, "seen db %s: permissions %v are too open (want 0600)", path, st.Mode().Perm())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkDir refuses a directory where another user could replace the
// store: owned by someone other than this user or root, or writable by
// group or others without the sticky bit.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return webhook.Errorf(webhook.KindUsage, "seen db directory: %v", err)
	}
	uid := -1
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		uid = int(sys.Uid)
	}
	switch {
	case uid != os.Geteuid() && uid != 0:
		return webhook.Errorf(webhook.KindUsage, "seen db directory %s belongs to uid %d: its owner could replace the db", dir, uid)
	case st.Mode().Perm()&0o022 != 0 && st.Mode()&os.ModeSticky == 0:
		return webhook.Errorf(webhook.KindUsage, "seen db directory %s (%v) is writable by others: anyone could replace the db", dir, st.Mode().Perm())
	}
	return nil
}
