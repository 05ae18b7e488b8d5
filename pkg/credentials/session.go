package credentials

import (
	"context"
	"sync"
	"time"
)

// Token is a bearer token a TokenSession keeps. Its methods must accept a
// nil receiver when Token is a pointer type (a cache entry may decode to
// nothing).
type Token interface {
	// Bearer is the value sent as "Authorization: Bearer".
	Bearer() string
	// Valid says whether it may still be sent at now, a margin before it
	// lapses included, so no request leaves with a token that lapses in
	// flight.
	Valid(now time.Time) bool
}

// TokenSession is a provider client's bearer token (OffBlocks, PwC): kept in
// memory, cached in the store under the fingerprint of the login that
// obtained it (a profile pointed at another account, or a changed or wrong
// secret, never reuses one login's token), renewed when it lapses, and
// obtained by one login at a time however many requests ask at once (bulk
// rotation logs in once). The cache is best effort: a keyring that fails
// costs a login, never the command.
type TokenSession[T Token] struct {
	// Cache is the store entry holding the token between processes; it is
	// read from the backend only (env variables are no token cache).
	Cache *Cache
	// Login reads the credentials in effect; it runs under the session's
	// lock.
	Login func() (*Login, error)
	// Mint logs in with l.
	Mint func(ctx context.Context, l *Login) (T, error)
	// Refresh, when set, renews a lapsed token without the credentials;
	// any error from it means "log in instead".
	Refresh func(ctx context.Context, old T) (T, error)
	// Now is the clock.
	Now func() time.Time

	mu        sync.Mutex
	tok       T
	have      bool
	cacheRead bool
}

// Token returns a bearer token: the one in memory, the cached one when
// this very login obtained it, a refreshed one, or a fresh login, in that
// order. stale is a token the API just refused (401): it is dropped from
// memory and cache and a login, not a refresh (the session behind it may
// be revoked), replaces it, unless a concurrent request already did.
// fresh reports that the token was obtained for this call, so a 401 with
// it is not worth a second login.
func (s *TokenSession[T]) Token(ctx context.Context, stale string) (tok string, fresh bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.Login()
	if err != nil {
		return "", false, err
	}
	now := s.Now()
	if !s.have && !s.cacheRead {
		s.cacheRead = true
		s.tok, s.have = s.load(l)
	}
	valid := s.have && s.tok.Valid(now)
	switch {
	case stale == "" && valid:
		return s.tok.Bearer(), false, nil
	case stale != "" && valid && s.tok.Bearer() != stale:
		return s.tok.Bearer(), true, nil // another request already replaced it
	case stale == "" && s.have && s.Refresh != nil:
		if t, err := s.Refresh(ctx, s.tok); err == nil {
			s.keep(l, t)
			return t.Bearer(), true, nil
		}
	case stale != "":
		var zero T
		s.tok, s.have = zero, false
		s.Cache.Drop() // best effort: the login below overwrites it anyway
	}
	return s.mint(ctx, l)
}

// Authenticate logs in with the credentials in effect, never using a
// cached or refreshed token, and caches the new one: `auth status` and
// `auth login` check the credentials themselves this way.
func (s *TokenSession[T]) Authenticate(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.Login()
	if err != nil {
		return err
	}
	s.cacheRead = true
	_, _, err = s.mint(ctx, l)
	return err
}

func (s *TokenSession[T]) mint(ctx context.Context, l *Login) (string, bool, error) {
	t, err := s.Mint(ctx, l)
	if err != nil {
		return "", false, err
	}
	s.keep(l, t)
	return t.Bearer(), true, nil
}

// load reads the cached token if l obtained it; a token no header can
// carry is not used (the cache is local state).
func (s *TokenSession[T]) load(l *Login) (T, bool) {
	var t T
	if !s.Cache.Load(l.Fingerprint, &t) || t.Bearer() == "" || CheckToken(t.Bearer(), "") != nil {
		var zero T
		return zero, false
	}
	return t, true
}

// keep holds t in memory and caches it. A failed cache write only costs a
// login next time; after a failed read none is attempted (a hung Secret
// Service would cost its timeout twice).
func (s *TokenSession[T]) keep(l *Login, t T) {
	s.tok, s.have = t, true
	s.Cache.Save(l.Fingerprint, t)
}
