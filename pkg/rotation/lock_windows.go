//go:build windows

package rotation

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/windows"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Lock is a held per-profile rotation lock: LockFileEx, Windows' flock, on
// <state>/journal/<profile>.lock. The lock covers one byte far past the
// PID so another process can still read who holds it.
type Lock struct {
	f  *os.File
	ol *windows.Overlapped
}

const lockOffset = 1 << 30

// AcquireLock takes the profile's rotation lock without waiting.
func AcquireLock(stateDir, profile string) (*Lock, error) {
	dir := filepath.Join(stateDir, "journal")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("rotation lock: %w", err)
	}
	path := filepath.Join(dir, url.PathEscape(profile)+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rotation lock: %w", err)
	}
	ol := &windows.Overlapped{Offset: lockOffset}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		b, _ := os.ReadFile(path)
		f.Close()
		holder := strings.TrimSpace(string(b))
		if _, perr := strconv.Atoi(holder); perr != nil {
			holder = "unknown"
		}
		return nil, webhook.Errorf(webhook.KindError, "another rotate-secret is running for profile %q (pid %s)", profile, holder).
			WithHint("wait for it to finish; the lock is %s and is released when that process exits", path)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("rotation lock: %w", err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f, ol: ol}, nil
}

// Release drops the lock.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = windows.UnlockFileEx(windows.Handle(l.f.Fd()), 0, 1, 0, l.ol)
	l.f.Close()
	l.f = nil
}
