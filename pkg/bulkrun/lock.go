package bulkrun

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/internal/base/fsafe"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Lock is a held per-profile lock of the runs that write a profile's
// registrations (rotate-secret, apply), on <state>/journal/<profile>.lock,
// that also records the holder's PID. The kernel drops it when the process
// dies, so a SIGKILLed run never leaves a stale lock.
type Lock struct{ l *fsafe.Lock }

// AcquireLock takes the profile's lock without waiting.
func AcquireLock(stateDir, profile string) (*Lock, error) {
	return acquire(filepath.Join(stateDir, "journal"), url.PathEscape(profile),
		fmt.Sprintf("another rotate-secret or apply is running for profile %q", profile))
}

// AcquireAccountLock takes the lock of a provider account without waiting:
// two profiles on one account (the same provider, base URL and
// credentials; account is their fingerprint) must not rotate the same
// registrations at once, or each stores the secret of its own rotation and
// one of them ends up with a secret the provider no longer signs with.
func AcquireAccountLock(stateDir, account string) (*Lock, error) {
	return acquire(filepath.Join(stateDir, "journal", "_accounts"), account, // "_": no profile name starts with it
		"another rotate-secret or apply is running for the same provider account under another profile")
}

func acquire(dir, name, busy string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("rotation lock: %w", err)
	}
	path := filepath.Join(dir, name+".lock")
	l, err := fsafe.LockFile(path, false)
	if errors.Is(err, fsafe.ErrLocked) {
		b, _ := os.ReadFile(path)
		holder := strings.TrimSpace(string(b))
		if _, perr := strconv.Atoi(holder); perr != nil {
			holder = "unknown"
		}
		return nil, webhook.Errorf(webhook.KindError, "%s (pid %s)", busy, holder).
			WithHint("wait for it to finish; the lock is %s and is released when that process exits", path)
	}
	if err != nil {
		return nil, webhook.Errorf(webhook.KindError, "rotation lock: %v", err).
			WithHint("remove %s; hookctl creates the lock itself", path)
	}
	if err := l.File().Truncate(0); err == nil {
		_, _ = l.File().WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{l: l}, nil
}

// Release drops the lock.
func (l *Lock) Release() {
	if l == nil || l.l == nil {
		return
	}
	_ = l.l.File().Truncate(0)
	l.l.Unlock()
	l.l = nil
}
