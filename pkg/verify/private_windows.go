package verify

import (
	"os"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// openPrivate opens a state file as bbolt.Options.OpenFile, refusing a
// symbolic link. Windows has no owner and mode bits to check here; the
// file's ACL is inherited from the user's directory.
func openPrivate(path string, flag int, perm os.FileMode) (*os.File, error) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return nil, webhook.Errorf(webhook.KindUsage, "seen db %s is a symbolic link; give the path of the file itself", path)
	}
	return os.OpenFile(path, flag, perm)
}

// checkDir has nothing to check on Windows (see openPrivate).
func checkDir(string) error { return nil }
