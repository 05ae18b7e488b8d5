//go:build windows

package fsafe

import (
	"errors"

	"golang.org/x/sys/windows"
)

// lockState: LockFileEx, Windows' flock, on one byte far past the content.
type lockState struct{ ol *windows.Overlapped }

const lockOffset = 1 << 30

func (l *Lock) lock(wait bool) error {
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK)
	if !wait {
		flags |= windows.LOCKFILE_FAIL_IMMEDIATELY
	}
	l.ol = &windows.Overlapped{Offset: lockOffset}
	err := windows.LockFileEx(windows.Handle(l.f.Fd()), flags, 0, 1, 0, l.ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return ErrLocked
	}
	return err
}

func (l *Lock) unlock() { _ = windows.UnlockFileEx(windows.Handle(l.f.Fd()), 0, 1, 0, l.ol) }
