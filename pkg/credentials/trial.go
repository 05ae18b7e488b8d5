package credentials

import "sync"

// Trial returns a store for trying credentials before they are stored
// (`auth login` asks the provider first): the profile's credentials named
// in values read as those values, ahead of env and the backend; every other
// entry reads as in s; and every write (a token cache) stays in memory, so
// nothing reaches the keyring until the caller stores the values itself.
// Its Lookup reports the given values as SourceGiven.
func (s *Store) Trial(profile string, values map[string]string) *Store {
	t := &trialBackend{mem: NewMemory(), base: s.backend, gone: map[string]bool{}}
	hidden := map[string]bool{}
	given := map[string]bool{}
	for name, v := range values {
		_ = t.mem.Set(Key(profile, name), v)
		given[Key(profile, name)] = true
		if env := EnvVar(name); env != "" {
			hidden[env], hidden[ProfileEnvVar(profile, name)] = true, true
		}
	}
	trial := New(t, func(k string) string {
		if hidden[k] {
			return ""
		}
		return s.getenv(k)
	})
	trial.given = given // Lookup says SourceGiven, RefusedHint "check the value given"
	return trial
}

// trialBackend reads its own entries, then the base's; it writes only its own.
type trialBackend struct {
	mem  *Memory
	base Backend
	mu   sync.Mutex
	gone map[string]bool // deleted here: no longer read from base
}

func (t *trialBackend) Get(key string) (string, error) {
	if v, err := t.mem.Get(key); err == nil {
		return v, nil
	}
	t.mu.Lock()
	gone := t.gone[key]
	t.mu.Unlock()
	if gone {
		return "", ErrNotFound
	}
	return t.base.Get(key)
}

func (t *trialBackend) Set(key, value string) error {
	t.mu.Lock()
	delete(t.gone, key)
	t.mu.Unlock()
	return t.mem.Set(key, value)
}

func (t *trialBackend) Delete(key string) error {
	t.mu.Lock()
	t.gone[key] = true
	t.mu.Unlock()
	return t.mem.Delete(key)
}

func (t *trialBackend) Source() Source { return t.base.Source() }
