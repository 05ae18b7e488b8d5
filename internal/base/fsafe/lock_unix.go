//go:build unix

package fsafe

import (
	"errors"
	"syscall"
)

// lockState: flock needs nothing beyond the file.
type lockState struct{}

func (l *Lock) lock(wait bool) error {
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(l.f.Fd()), how)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return ErrLocked
		}
		return err
	}
}

func (l *Lock) unlock() { _ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN) }
