package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/hookctl/hookctl/internal/base/fsafe"
)

// File is the explicit plain-file backend: one JSON object of key → value in
// a 0600 file. It exists for machines without a usable keyring and is only
// ever chosen by the user (--insecure-storage, HOOKCTL_STORAGE=file); Open
// announces it.
//
// Writes replace the file atomically (temp file, fsync, rename) so a crash
// leaves the old or the new map, never a torn one; read-modify-write runs
// under an advisory lock on a sibling ".lock" file so two hookctl processes
// never lose each other's writes. The lock is on a separate file because the
// data file's inode changes with every rename.
type File struct {
	path string
	// announce, when set, is called once, at the first read or write, so
	// the plain file is announced only by a command that uses it, with
	// the right verb.
	announce func(write bool)
	once     sync.Once
}

func (f *File) touch(write bool) {
	if f.announce != nil {
		f.once.Do(func() { f.announce(write) })
	}
}

// NewFile returns the file backend over path. Nothing is created until the
// first write.
func NewFile(path string) *File { return &File{path: path} }

// Path is the file the secrets are stored in.
func (f *File) Path() string { return f.path }

// Source reports SourceFile.
func (f *File) Source() Source { return SourceFile }

// Get reads one value. It takes no lock: writers rename whole files into
// place, so a reader always sees a complete map.
func (f *File) Get(key string) (string, error) {
	m, err := f.read()
	if err != nil {
		return "", err
	}
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return v, nil
}

// Set writes one value.
func (f *File) Set(key, value string) error {
	return f.update(func(m map[string]string) bool {
		if old, ok := m[key]; ok && old == value {
			return false
		}
		m[key] = value
		return true
	})
}

// Delete removes one value; nil when absent. A missing file is left missing.
func (f *File) Delete(key string) error {
	if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return f.update(func(m map[string]string) bool {
		if _, ok := m[key]; !ok {
			return false
		}
		delete(m, key)
		return true
	})
}

// Keys lists the stored keys (migration into the secret db uses it).
func (f *File) Keys() ([]string, error) {
	m, err := f.read()
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys, nil
}

// DeleteKeys removes several values in one rewrite of the file.
func (f *File) DeleteKeys(keys []string) error {
	if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return f.update(func(m map[string]string) bool {
		changed := false
		for _, k := range keys {
			if _, ok := m[k]; ok {
				delete(m, k)
				changed = true
			}
		}
		return changed
	})
}

func (f *File) read() (map[string]string, error) {
	f.touch(false)
	m := map[string]string{}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read credentials file: %w", err)
	}
	if len(b) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("credentials file %s is corrupt (fix or remove it): %w", f.path, err)
	}
	return m, nil
}

// update runs fn on the current map under the lock and writes the result
// when fn reports a change.
// UpdateValue does a read-modify-write of one entry under the file lock.
func (f *File) UpdateValue(key string, fn func(old string, found bool) (string, error)) error {
	var fnErr error
	err := f.update(func(m map[string]string) bool {
		old, found := m[key]
		val, err := fn(old, found)
		if err != nil {
			fnErr = err
			return false
		}
		m[key] = val
		return true
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

func (f *File) update(fn func(map[string]string) bool) error {
	f.touch(true)
	dir := filepath.Dir(f.path)
	// 0700: the directory listing alone says which profiles have secrets.
	// An existing directory is left as it is: it may be shared (e.g. /tmp).
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create credentials directory: %w", err)
	}
	lock, err := fsafe.LockFile(f.path+".lock", true)
	if err != nil {
		return fmt.Errorf("lock credentials file: %w", err)
	}
	defer lock.Unlock()
	m, err := f.read()
	if err != nil {
		return err
	}
	if !fn(m) {
		return nil
	}
	// Compact: the file is rewritten on every change, and indenting a
	// thousand secret sets costs more than the fsync.
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := fsafe.WriteFile(f.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write credentials file: %w", err)
	}
	return nil
}
