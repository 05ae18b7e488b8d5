package credentials

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Require looks a login credential up (env first) and turns "nowhere" into
// the exit-4 MissingError that names `auth login` and the env variable. A
// nil store (a provider built without credentials) has nothing.
func (s *Store) Require(profile, name string) (string, error) {
	if s == nil {
		return "", MissingError(profile, name)
	}
	v, _, err := s.Lookup(profile, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("reading the %s of profile %s: %w", name, profile, err)
	}
	if v == "" {
		return "", MissingError(profile, name)
	}
	return v, nil
}

// Cache is a best-effort JSON entry hookctl writes for itself (access
// tokens). It reads the backend only, never env: HOOKCTL_TOKEN is a login
// credential, not a cache. A failure only means "no cache", and after one
// the keyring is left alone, so a hung Secret Service costs its timeout
// once per run, not on every write.
type Cache struct {
	store         *Store
	profile, name string
	broken        bool
}

// Cache returns the cache entry profile/name.
func (s *Store) Cache(profile, name string) *Cache {
	return &Cache{store: s, profile: profile, name: name}
}

// Load decodes the entry into v; false when absent, unreadable or corrupt.
func (c *Cache) Load(v any) bool {
	if c.broken || c.store == nil {
		return false
	}
	raw, err := c.store.Get(c.profile, c.name)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			c.broken = true
		}
		return false
	}
	return json.Unmarshal([]byte(raw), v) == nil
}

// Save stores v; a failure only costs a fresh login next time.
func (c *Cache) Save(v any) {
	if c.broken || c.store == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	if err := c.store.Set(c.profile, c.name, string(b)); err != nil {
		c.broken = true
	}
}

// Drop removes the entry (a token the provider refused); best effort.
func (c *Cache) Drop() {
	if c.broken || c.store == nil {
		return
	}
	_ = c.store.Delete(c.profile, c.name)
}

// CheckToken refuses an access token that an Authorization header cannot
// carry as one value: a CR or LF would end the header (net/http then
// refuses every request, which the retry layer repeated), and spaces,
// other control bytes or non-ASCII are no bearer token either (RFC 6750
// b64token). from names who answered it, e.g. "pexa: the token endpoint
// URL". The error never quotes the token.
func CheckToken(tok, from string) *webhook.Error {
	for i := 0; i < len(tok); i++ {
		what := ""
		switch b := tok[i]; {
		case b == '\r' || b == '\n':
			what = "a line break"
		case b == ' ':
			what = "a space"
		case b < ' ' || b == 0x7f:
			what = "a control character"
		case b > 0x7f:
			what = "not ASCII"
		}
		if what != "" {
			return webhook.Errorf(webhook.KindError, "%s answered a malformed access token (byte %d of %d is %s); hookctl neither sends nor caches it", from, i+1, len(tok), what)
		}
	}
	return nil
}
