//go:build unix

package rotation

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hookctl/hookctl/internal/fsafe"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Lock is a held per-profile rotation lock: an flock on
// <state>/journal/<profile>.lock that also records the holder's PID. The
// kernel drops it when the process dies, so a SIGKILLed run never leaves a
// stale lock.
type Lock struct{ f *os.File }

// AcquireLock takes the profile's rotation lock without waiting.
func AcquireLock(stateDir, profile string) (*Lock, error) {
	dir := filepath.Join(stateDir, "journal")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("rotation lock: %w", err)
	}
	path := filepath.Join(dir, url.PathEscape(profile)+".lock")
	f, err := fsafe.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, webhook.Errorf(webhook.KindError, "rotation lock: %v", err).
			WithHint("remove %s; hookctl creates the lock itself", path)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
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
	return &Lock{f: f}, nil
}

// Release drops the lock.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}
