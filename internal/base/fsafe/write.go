package fsafe

import (
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data atomically and durably: data goes to a
// temporary file in the same directory, is synced, then renamed over path,
// and the directory is synced. A crash leaves the old file or the new one,
// each complete, never a mix; a reader never sees a partial file. The file
// gets perm whatever the umask.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, true)
}

// WriteCache replaces path with data atomically for readers, as WriteFile
// does, but without the two fsyncs: for a cache, which may be lost or
// found torn after a crash (its reader ignores what it cannot parse).
// The fsyncs cost 1-2 ms on every `list`, and tens when the disk is busy.
func WriteCache(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, false)
}

func write(path string, data []byte, perm fs.FileMode, durable bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // created 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if durable {
		if err = tmp.Sync(); err != nil {
			return err
		}
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if durable {
		SyncDir(dir)
	}
	return nil
}

// SyncDir makes a rename in dir durable. Best effort: some platforms and
// file systems cannot fsync a directory, and the data itself is synced.
func SyncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
