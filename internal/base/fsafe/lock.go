package fsafe

import (
	"errors"
	"os"
)

// ErrLocked: another process (or another open of the file) holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock is a held exclusive lock on a file. The operating system drops it
// when the process dies, so a killed process never leaves a stale lock.
type Lock struct {
	f *os.File
	lockState
}

// LockFile takes an exclusive lock on path, creating it 0600 and refusing a
// symbolic link there. With wait, it blocks until the lock is free;
// without, a held lock returns ErrLocked at once. Locks belong to the open
// file, so two goroutines of one process exclude each other as two
// processes do. The locked region lies far past the file's content, so
// others can still read what the holder wrote (its PID, say).
func LockFile(path string, wait bool) (*Lock, error) {
	f, err := OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	l := &Lock{f: f}
	if err := l.lock(wait); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// File is the locked file, for the holder to write to.
func (l *Lock) File() *os.File { return l.f }

// Unlock releases the lock and closes the file. Safe on nil and twice.
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	l.unlock()
	l.f.Close()
	l.f = nil
}
