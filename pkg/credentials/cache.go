package credentials

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Require looks a login credential up (env first) and turns "nowhere" into
// the exit-4 MissingError that names `auth login` and the env variable. A
// nil store (a provider built without credentials) has nothing.
func (s *Store) Require(profile, name string) (string, error) {
	v, _, err := s.require(profile, name)
	return v, err
}

func (s *Store) require(profile, name string) (string, Source, error) {
	if s == nil {
		return "", SourceNone, MissingError(profile, name)
	}
	v, src, err := s.Lookup(profile, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", SourceNone, fmt.Errorf("reading the %s of profile %s: %w", name, profile, err)
	}
	if v == "" {
		return "", SourceNone, MissingError(profile, name)
	}
	return v, src, nil
}

// Login is a provider's login credentials as looked up, and the
// Fingerprint that keys the token cache of what they obtain.
type Login struct {
	Values      map[string]string
	Sources     map[string]Source
	Fingerprint string
}

// RequireLogin looks up every named credential with Require (absent is
// exit 4) and fingerprints them together with scope: whatever else a token
// depends on (API base or token URL, client id, scopes).
func (s *Store) RequireLogin(profile string, scope []string, names ...string) (*Login, error) {
	l := &Login{Values: map[string]string{}, Sources: map[string]Source{}}
	parts := append([]string{}, scope...)
	for _, name := range names {
		v, src, err := s.require(profile, name)
		if err != nil {
			return nil, err
		}
		l.Values[name], l.Sources[name] = v, src
		parts = append(parts, name, v)
	}
	l.Fingerprint = Fingerprint(parts...)
	return l, nil
}

// Cache is a best-effort JSON entry hookctl writes for itself (access
// tokens). It reads the backend only, never env: HOOKCTL_TOKEN is a login
// credential, not a cache. A failure only means "no cache", and after one
// the keyring is left alone, so a hung Secret Service costs its timeout
// once per run, not on every write.
//
// Every entry is saved under the Fingerprint of the credential that
// obtained it, and Load ignores an entry of another fingerprint: a token is
// valid only for its credential, so a changed or wrong secret (in the
// keyring or the environment) never rides on a token the right one got.
type Cache struct {
	store         *Store
	profile, name string
	broken        bool
	warn          func(format string, args ...any)
}

// cacheEntry is the stored form of a Cache value.
type cacheEntry struct {
	Fingerprint string          `json:"fingerprint"`
	Value       json.RawMessage `json:"value"`
}

// Cache returns the cache entry profile/name.
func (s *Store) Cache(profile, name string) *Cache {
	return &Cache{store: s, profile: profile, name: name}
}

// WarnOnFailure makes the first backend failure print a warning naming
// what (e.g. "PEXA access token") through warnf, instead of passing
// silently.
func (c *Cache) WarnOnFailure(what string, warnf func(format string, args ...any)) *Cache {
	c.warn = func(format string, args ...any) { warnf("warning: "+format, append([]any{what}, args...)...) }
	return c
}

func (c *Cache) fail(format string, err error) {
	c.broken = true
	if c.warn != nil {
		c.warn(format, err)
	}
}

// Load decodes the entry saved under fingerprint into v; false when
// absent, of another fingerprint, unreadable or corrupt.
func (c *Cache) Load(fingerprint string, v any) bool {
	if c.broken || c.store == nil {
		return false
	}
	raw, err := c.store.Get(c.profile, c.name)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			c.fail("cannot read the cached %s (%v); fetching a new one", err)
		}
		return false
	}
	var e cacheEntry
	if json.Unmarshal([]byte(raw), &e) != nil || e.Fingerprint == "" || !hmac.Equal([]byte(e.Fingerprint), []byte(fingerprint)) {
		return false
	}
	return json.Unmarshal(e.Value, v) == nil
}

// Save stores v under fingerprint, replacing any entry; a failure only
// costs a fresh login next time.
func (c *Cache) Save(fingerprint string, v any) {
	if c.broken || c.store == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	if b, err = json.Marshal(cacheEntry{Fingerprint: fingerprint, Value: b}); err != nil {
		return
	}
	if err := c.store.Set(c.profile, c.name, string(b)); err != nil {
		c.fail("cannot cache the %s (%v); the next command fetches a new one", err)
	}
}

// Drop removes the entry (a token the provider refused); best effort.
func (c *Cache) Drop() {
	if c.broken || c.store == nil {
		return
	}
	if err := c.store.Delete(c.profile, c.name); err != nil {
		c.fail("cannot remove the refused %s from the keyring: %v", err)
	}
}

// fingerprintKey keys the HMAC of Fingerprint. It is no secret: it only
// makes a fingerprint hookctl's own, not a bare hash found elsewhere.
const fingerprintKey = "hookctl token cache fingerprint v1"

// Fingerprint identifies a credential without holding it: the hex
// HMAC-SHA256, keyed with a fixed label, of the parts (e.g. token URL,
// client id and secret), each length-prefixed so no two lists of parts
// collide.
func Fingerprint(parts ...string) string {
	m := hmac.New(sha256.New, []byte(fingerprintKey))
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
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
