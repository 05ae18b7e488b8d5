package credentials

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hookctl/hookctl/internal/base/fsafe"
)

// The index: the OS keyring cannot list its entries, so the store keeps,
// per profile, the names of the entries it wrote (one entry,
// "<profile>/.index", a JSON array). `secrets list` reads the webhook
// secrets from it and `profile remove` forgets everything in it. It is
// written only when a name is added or removed, so rewriting an existing
// secret costs nothing more. The keyring has no lock of its own, so two
// processes edit the index under a file lock in the state dir (the file
// backend's read-modify-write is locked already); without it one's
// addition could be lost, and `profile remove` would then leave that
// entry behind. Entries written before the index
// existed are not in it: callers that know names add them (provider
// credentials, the registrations a provider lists).
const indexName = ".index"

// Names lists the entries the store wrote for profile, sorted.
func (s *Store) Names(profile string) ([]string, error) {
	s.idxMu.Lock()
	defer s.idxMu.Unlock()
	set, err := s.loadIndex(profile)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// WebhookIDs lists the registrations whose secrets the store holds for
// profile: those in the secret db, or without one, as far as the index
// knows.
func (s *Store) WebhookIDs(profile string) ([]string, error) {
	if s.sdb != nil {
		return s.dbWebhookIDs(profile)
	}
	names, err := s.Names(profile)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range names {
		if id, ok := strings.CutPrefix(n, "webhook/"); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// ForgetProfile removes profile's webhook secrets from the secret db,
// every entry of profile the index names, the
// extra names (entries that may predate the index) and the index itself.
// It goes on past failures and returns them joined.
func (s *Store) ForgetProfile(profile string, extra ...string) error {
	names, err := s.Names(profile)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if s.sdb != nil {
		if err := s.dbForgetProfile(profile); err != nil {
			errs = append(errs, err)
		}
	}
	for _, n := range extra {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, n := range names {
		if err := s.backend.Delete(Key(profile, n)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.backend.Delete(Key(profile, indexName)); err != nil {
		errs = append(errs, err)
	}
	s.idxMu.Lock()
	delete(s.index, profile)
	s.idxMu.Unlock()
	return errors.Join(errs...)
}

// noteName adds name to profile's index when it is not there yet.
func (s *Store) noteName(profile, name string) error {
	return s.editIndex(profile, []string{name}, true)
}

// forgetName removes name from profile's index.
func (s *Store) forgetName(profile, name string) error {
	return s.editIndex(profile, []string{name}, false)
}

// forgetNames removes names from profile's index in one write.
func (s *Store) forgetNames(profile string, names []string) error {
	return s.editIndex(profile, names, false)
}

func (s *Store) editIndex(profile string, names []string, add bool) error {
	names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == indexName || n == ProbeName })
	s.idxMu.Lock()
	defer s.idxMu.Unlock()
	set, err := s.loadIndex(profile)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(names, func(n string) bool { return set[n] != add }) {
		return nil // the common case: nothing to write
	}
	write := func(old string, found bool) (string, error) {
		cur := map[string]bool{}
		if found {
			var names []string
			if json.Unmarshal([]byte(old), &names) == nil {
				for _, n := range names {
					cur[n] = true
				}
			}
		}
		for _, name := range names {
			if add {
				cur[name] = true
			} else {
				delete(cur, name)
			}
		}
		clear(set)
		out := make([]string, 0, len(cur))
		for n := range cur {
			set[n] = true
			out = append(out, n)
		}
		sort.Strings(out)
		b, err := json.Marshal(out)
		return string(b), err
	}
	if u, ok := s.backend.(updater); ok {
		return u.UpdateValue(Key(profile, indexName), write)
	}
	defer s.lockIndex()()
	old, err := s.backend.Get(Key(profile, indexName))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	val, err := write(old, err == nil)
	if err != nil {
		return err
	}
	return s.backend.Set(Key(profile, indexName), val)
}

// loadIndex returns profile's index set, reading it once. idxMu is held.
func (s *Store) loadIndex(profile string) (map[string]bool, error) {
	if set, ok := s.index[profile]; ok {
		return set, nil
	}
	set := map[string]bool{}
	raw, err := s.backend.Get(Key(profile, indexName))
	switch {
	case err == nil:
		var names []string
		if json.Unmarshal([]byte(raw), &names) == nil {
			for _, n := range names {
				set[n] = true
			}
		}
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	if s.index == nil {
		s.index = map[string]map[string]bool{}
	}
	s.index[profile] = set
	return set, nil
}

// lockIndex takes the cross-process lock of the index's read-modify-write
// and returns its release. Without a state dir (in-memory test stores)
// there is nothing to share, and a lock that cannot be taken is not worth
// failing a credential write for: it returns a no-op then.
func (s *Store) lockIndex() func() {
	if s.sdb == nil || s.sdb.stateDir == nil {
		return func() {}
	}
	dir, err := s.sdb.stateDir()
	if err != nil {
		return func() {}
	}
	l, err := fsafe.LockFile(filepath.Join(dir, "credentials-index.lock"), true)
	if err != nil {
		return func() {}
	}
	return l.Unlock
}
