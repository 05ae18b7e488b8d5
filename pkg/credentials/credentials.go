// Package credentials keeps hookctl's secrets: API credentials, cached access
// tokens, signing keys and webhook secrets. The OS keyring is the store; env
// variables override login credentials so CI never needs a keyring; a 0600
// file is the explicit, announced fallback. Every backend call is bounded by
// a timeout because a Secret Service that never answers must not hang a CI job.
package credentials

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
	"go.etcd.io/bbolt"
)

// Service is the keyring service name of every entry.
const Service = "hookctl"

// DefaultTimeout bounds every keyring call.
const DefaultTimeout = 3 * time.Second

// Source says where a credential came from.
type Source string

const (
	SourceEnv     Source = "env"
	SourceKeyring Source = "keyring"
	SourceFile    Source = "file"
	SourceMemory  Source = "memory"
	SourceNone    Source = "none"
	// SourceGiven is a value given to `auth login` (typed, or on stdin)
	// and tried with the provider before it is stored (Trial).
	SourceGiven Source = "given"
)

// ErrNotFound means no entry exists under that key.
var ErrNotFound = errors.New("credential not found")

// Backend is one place secrets live. Keys are "<profile>/<name>".
type Backend interface {
	Get(key string) (string, error) // ErrNotFound when absent
	Set(key, value string) error
	Delete(key string) error // nil when already absent
	Source() Source
}

// Login credential names that env variables override: the profile's own
// HOOKCTL_<PROFILE>_<NAME>, else the unscoped HOOKCTL_<NAME> (for every
// profile, as before the scoped ones existed). The names are the union of
// every provider's login credentials, which cmd's
// TestCredentialEnvNamesMatchSpecs ties to the provider specs (this
// package cannot import them: they import it).
var envNames = map[string]bool{
	"api-key": true, "token": true, "client-secret": true, "api-secret": true,
	"signing-key": true, "username": true, "password": true, "rsa-key": true,
}

// EnvVar is the unscoped environment variable that overrides a login
// credential of any profile, or "" for names env cannot override (webhook
// secrets, cached tokens).
func EnvVar(name string) string {
	if !envNames[name] {
		return ""
	}
	return "HOOKCTL_" + envWord(name)
}

// ProfileEnvVar is the profile's own variable for a login credential,
// HOOKCTL_<PROFILE>_<NAME>, which wins over EnvVar(name); "" for names env
// cannot override. It is the one hints name: it works whatever other
// profiles a job reaches.
func ProfileEnvVar(profile, name string) string {
	if !envNames[name] {
		return ""
	}
	return EnvPrefix(profile) + envWord(name)
}

// EnvPrefix is what every variable of the profile's own starts with: the
// profile name upper-cased, with - and . as _ (HOOKCTL_BILLING_LIVE_ for
// billing-live). Profile names differing only there share it, which
// `profile add` refuses.
func EnvPrefix(profile string) string {
	return "HOOKCTL_" + envWord(profile) + "_"
}

func envWord(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(s))
}

// EnvVarFor is the variable that overrides the profile's credential name
// now: the profile's own when set, else the unscoped one when set, else
// the profile's own (what to set); "" for names env cannot override.
func (s *Store) EnvVarFor(profile, name string) string {
	if s == nil {
		return ProfileEnvVar(profile, name)
	}
	v, _ := s.envValue(profile, name)
	return v
}

// envValue is EnvVarFor and that variable's value ("" when unset).
func (s *Store) envValue(profile, name string) (string, string) {
	scoped := ProfileEnvVar(profile, name)
	if scoped == "" {
		return "", ""
	}
	if val := s.getenv(scoped); val != "" {
		return scoped, val
	}
	if val := s.getenv(EnvVar(name)); val != "" {
		return EnvVar(name), val
	}
	return scoped, ""
}

// EnvNames lists the login credential names env variables override, sorted.
func EnvNames() []string {
	out := make([]string, 0, len(envNames))
	for n := range envNames {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// IsEnvVar reports whether the environment variable name carries a login
// credential, unscoped (HOOKCTL_API_KEY) or a profile's own
// (HOOKCTL_BILLING_LIVE_API_KEY, of any profile, existing or not); such
// variables are never passed on to child processes.
func IsEnvVar(key string) bool {
	rest, ok := strings.CutPrefix(key, "HOOKCTL_")
	if !ok {
		return false
	}
	for n := range envNames {
		w := envWord(n)
		if rest == w || strings.HasSuffix(rest, "_"+w) {
			return true
		}
	}
	return false
}

// Store resolves credentials: env overrides first, then the backend.
type Store struct {
	backend Backend
	getenv  func(string) string
	mu      sync.Mutex // serialises read-modify-write of multi-entry values

	idxMu sync.Mutex
	index map[string]map[string]bool // per profile, loaded on first use (index.go)

	// sdb, when set, holds the webhook secrets (secretdb.go); without it
	// they are backend entries, as in-memory test stores keep them.
	sdb *secretDB

	// given are the keys of a Trial's values, given to `auth login`.
	given map[string]bool
}

// New builds a store over a backend. getenv nil means os.Getenv.
func New(b Backend, getenv func(string) string) *Store {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &Store{backend: b, getenv: getenv}
}

// Key is the backend key of a profile's credential.
func Key(profile, name string) string { return profile + "/" + name }

// Lookup finds a credential, env first (the profile's own variable, then
// the unscoped one). It returns ErrNotFound (wrapped) when neither env nor
// the backend has it.
func (s *Store) Lookup(profile, name string) (string, Source, error) {
	if _, val := s.envValue(profile, name); val != "" {
		return val, SourceEnv, nil
	}
	val, err := s.backend.Get(Key(profile, name))
	if err != nil {
		return "", SourceNone, loginUnreadable(name, err)
	}
	if s.given[Key(profile, name)] {
		return val, SourceGiven, nil
	}
	return val, s.backend.Source(), nil
}

// loginUnreadable makes a keyring that cannot be used to read a login
// credential an exit-4 error (the provider cannot be called without it),
// its message and hint unchanged; for anything else the store's problem
// stays KindStorage (exit 1).
func loginUnreadable(name string, err error) error {
	var we *webhook.Error
	if !envNames[name] || !errors.Is(err, ErrKeyringUnavailable) || !errors.As(err, &we) || we.Kind != webhook.KindStorage {
		return err
	}
	auth := *we
	auth.Kind = webhook.KindAuth
	return &auth
}

// Get reads from the backend only (no env override).
func (s *Store) Get(profile, name string) (string, error) {
	return s.backend.Get(Key(profile, name))
}

// Set writes to the backend.
func (s *Store) Set(profile, name, value string) error {
	if err := s.backend.Set(Key(profile, name), value); err != nil {
		return err
	}
	// The value is stored; the index is an aid to listing and cleanup,
	// and failing to update it must not make the write look failed.
	_ = s.noteName(profile, name)
	return nil
}

// Delete removes from the backend.
func (s *Store) Delete(profile, name string) error {
	if err := s.backend.Delete(Key(profile, name)); err != nil {
		return err
	}
	_ = s.forgetName(profile, name) // best effort, as in Set
	return nil
}

// ProbeName is the entry CheckWritable writes and removes, and doctor
// reads to see whether the store answers.
const ProbeName = "store-check"

// CheckWritable proves the backend can keep a secret for profile by
// writing and removing a probe entry. Commands that change a provider and
// must then keep a secret (register, rotate-secret) call it first, so an
// unusable store stops them before the provider is changed.
func (s *Store) CheckWritable(profile string) error {
	key := Key(profile, ProbeName)
	if err := s.backend.Set(key, "ok"); err != nil {
		return err
	}
	if err := s.backend.Delete(key); err != nil {
		return err
	}
	if s.sdb == nil {
		return nil
	}
	// Webhook secrets go to the secret db: open it for writing (creating
	// it and its data key when new, migrating old entries) now, not after
	// the provider has changed.
	return s.withDB(profile, func(*bbolt.DB, cipher.AEAD) error { return nil })
}

// CannotKeep is the error of a command stopped before it changed anything
// because the store cannot keep what it would produce (a failed
// CheckWritable): msg says what was not done. It is the store's problem
// (KindStorage, exit 1), never the credentials' exit 4; err's hint, the
// ways out, stays the hint.
func CannotKeep(msg string, err error) error {
	kind := webhook.KindOf(err)
	if kind == webhook.KindError || kind == webhook.KindAuth {
		kind = webhook.KindStorage
	}
	return &webhook.Error{Kind: kind, Msg: msg, Err: err}
}

// Source is where Set writes.
func (s *Store) Source() Source { return s.backend.Source() }

// Backend is the backend the store reads and writes (e.g. a *File, for its
// path).
func (s *Store) Backend() Backend { return s.backend }

// chunker is a backend that may split values over several entries.
type chunker interface {
	chunkCount(key string) (int, error)
}

// Chunked returns a note for `auth status` when the backend stored the
// credential in several entries, and false when it is stored whole, absent
// or the backend does not chunk.
func (s *Store) Chunked(profile, name string) (string, bool) {
	c, ok := s.backend.(chunker)
	if !ok {
		return "", false
	}
	n, err := c.chunkCount(Key(profile, name))
	if err != nil || n == 0 {
		return "", false
	}
	return fmt.Sprintf("stored in %d chunks (over %d bytes)", n, ChunkSize), true
}

// Update runs a read-modify-write of one entry under the store's lock, so
// concurrent rotations in one process never lose each other's writes.
func (s *Store) Update(profile, name string, fn func(old string, found bool) (string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.backend.(updater); ok {
		if err := u.UpdateValue(Key(profile, name), fn); err != nil {
			return err
		}
		_ = s.noteName(profile, name) // best effort, as in Set
		return nil
	}
	old, err := s.Get(profile, name)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	val, err := fn(old, found)
	if err != nil {
		return err
	}
	return s.Set(profile, name, val)
}

// updater is a backend that can read-modify-write one entry atomically
// across processes (the file backend, under its lock): one read and one
// write instead of two of each, and no lost update between two hookctl runs.
type updater interface {
	UpdateValue(key string, fn func(old string, found bool) (string, error)) error
}

// RefusedHint says what to do about the profile's login credentials
// names after the provider refused them, by where each value came from,
// so that it never names a command that cannot help:
//   - a variable in the environment wins over what is stored, so `auth
//     login` changes nothing while it is set: the hint names the variable
//     in effect (the profile's own, or the unscoped one) to fix or unset;
//   - a value given to `auth login` (a Trial) is what failed, so the hint
//     says to check it, and how to see where the others come from;
//   - a stored value is replaced with `auth login`, or overridden with the
//     profile's own variable.
//
// Names env cannot override (keys from `keys generate`) are left out.
func (s *Store) RefusedHint(profile string, names ...string) string {
	var env, given, stored []string
	for _, n := range names {
		v := ProfileEnvVar(profile, n)
		switch {
		case v == "":
		case s == nil:
			stored = append(stored, n)
		default:
			if inEffect, val := s.envValue(profile, n); val != "" {
				env = append(env, inEffect)
			} else if s.given[Key(profile, n)] {
				given = append(given, n)
			} else {
				stored = append(stored, n)
			}
		}
	}
	var parts []string
	if len(env) > 0 {
		if len(env) == 1 {
			parts = append(parts, fmt.Sprintf("%s is set, and the environment wins over stored credentials: correct its value or unset it", env[0]))
		} else {
			parts = append(parts, fmt.Sprintf("%s are set, and the environment wins over stored credentials: correct their values or unset them", andList(env)))
		}
	}
	switch {
	case len(given) > 0:
		p := "check the " + andList(given) + " given"
		if len(stored) > 0 {
			p += fmt.Sprintf(", and the stored %s (`hookctl auth status -p %s` shows where each credential comes from)", andList(stored), profile)
		}
		parts = append(parts, p)
	case len(stored) > 0:
		vars := make([]string, len(stored))
		for i, n := range stored {
			vars[i] = ProfileEnvVar(profile, n)
		}
		login := "hookctl auth login -p " + profile
		if len(env) > 0 && len(stored) == 1 {
			// A plain `auth login` would ask for the ones env overrides too.
			login += " --credential " + stored[0]
		}
		parts = append(parts, fmt.Sprintf("store the right %s with `%s`, or set %s", andList(stored), login, andList(vars)))
	}
	return strings.Join(parts, "; ")
}

// andList joins words as "a", "a and b", "a, b and c".
func andList(w []string) string {
	if len(w) < 2 {
		return strings.Join(w, "")
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}

// MissingError is the exit-4 error for a credential that is nowhere.
func MissingError(profile, name string) error {
	e := webhook.Errorf(webhook.KindAuth, "no %s for profile %q", name, profile)
	if v := ProfileEnvVar(profile, name); v != "" {
		return e.WithHint("run `hookctl auth login -p %s`, or set %s", profile, v)
	}
	return e.WithHint("run `hookctl auth login -p %s`", profile)
}

// Memory is an in-memory backend for unit tests.
type Memory struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemory returns an empty in-memory backend.
func NewMemory() *Memory { return &Memory{m: map[string]string{}} }

func (m *Memory) Get(key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (m *Memory) Set(key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[key] = value
	return nil
}

func (m *Memory) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
	return nil
}

func (m *Memory) Source() Source { return SourceMemory }
