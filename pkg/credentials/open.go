package credentials

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Storage names accepted by Open (--insecure-storage means StorageFile).
const (
	StorageKeyring = "keyring"
	StorageFile    = "file"
)

// OpenOptions says which backend Open builds.
type OpenOptions struct {
	// Storage is StorageKeyring (also when empty) or StorageFile. The
	// caller reads HOOKCTL_STORAGE and --insecure-storage.
	Storage string
	// FilePath is the credentials file of StorageFile.
	FilePath string
	// StateDir finds (creating) the state dir whose secret db
	// (SecretDBPath) keeps webhook secrets, sealed under a data key kept in
	// the backend. It is called when webhook secrets are first needed, so
	// commands that need none create nothing. Nil keeps webhook secrets as
	// backend entries (the layout before the db).
	StateDir func() (string, error)
	// DBLockWait bounds the wait for another process holding the secret
	// db; 0 means DBLockWait.
	DBLockWait time.Duration
	// Timeout bounds each keyring operation; 0 means DefaultTimeout.
	Timeout time.Duration
	// Getenv resolves env overrides; nil means os.Getenv.
	Getenv func(string) string
	// Notice receives the one-line announcement of the plain file, made
	// at its first use ("using" for a read, "storing" for a write); nil
	// means os.Stderr, because that choice must never be silent unless
	// the user asks (hookctl -q passes io.Discard).
	Notice io.Writer
}

// Open builds the credential store. The keyring is not contacted here: CI
// that passes every credential in the environment never needs it. There is
// no fallback from the keyring to the file; when the keyring cannot be used,
// its errors name the explicit opt-in.
func Open(opts OpenOptions) (*Store, error) {
	s, err := openBackend(opts)
	if err != nil || opts.StateDir == nil {
		return s, err
	}
	wait := opts.DBLockWait
	if wait <= 0 {
		wait = DBLockWait
	}
	s.sdb = &secretDB{stateDir: opts.StateDir, wait: wait}
	return s, nil
}

// OpenIn opens the store hookctl uses with its state in stateDir, quietly:
// for tests and benchmarks that check what a hookctl process stored.
// storage is StorageKeyring or StorageFile (stateDir/credentials.json).
func OpenIn(storage, stateDir string) (*Store, error) {
	return Open(OpenOptions{Storage: storage, FilePath: filepath.Join(stateDir, "credentials.json"),
		StateDir: func() (string, error) { return stateDir, nil },
		Getenv:   func(string) string { return "" }, Notice: io.Discard})
}

func openBackend(opts OpenOptions) (*Store, error) {
	switch strings.ToLower(strings.TrimSpace(opts.Storage)) {
	case "", StorageKeyring:
		return New(NewKeyring(opts.Timeout), opts.Getenv), nil
	case StorageFile:
		if opts.FilePath == "" {
			return nil, fmt.Errorf("file storage needs a credentials file path")
		}
		w := opts.Notice
		if w == nil {
			w = os.Stderr
		}
		file := NewFile(opts.FilePath)
		file.announce = func(write bool) {
			verb := "using"
			if write {
				verb = "storing"
			}
			fmt.Fprintf(w, "hookctl: %s secrets in the plain file %s (0600, not the OS keyring; webhook secrets are sealed beside it, under a key kept in that file)\n", verb, opts.FilePath)
		}
		return New(file, opts.Getenv), nil
	default:
		return nil, webhook.Invalid("unknown credential storage %q (HOOKCTL_STORAGE): want %q or %q", opts.Storage, StorageKeyring, StorageFile)
	}
}
