package credentials

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type testToken struct {
	Value   string    `json:"value"`
	Expires time.Time `json:"expires"`
	Refresh string    `json:"refresh,omitempty"`
}

func (t *testToken) Bearer() string {
	if t == nil {
		return ""
	}
	return t.Value
}
func (t *testToken) Valid(now time.Time) bool { return t != nil && now.Before(t.Expires) }

// sessionFixture is a TokenSession over a memory store whose Mint counts
// logins and whose Refresh (when refreshable) counts refreshes.
type sessionFixture struct {
	store            *Store
	now              time.Time
	secret           string
	mints, refreshes atomic.Int32
	refreshable      bool
	lifetime         time.Duration
	mintDelay        time.Duration
}

func (f *sessionFixture) session() *TokenSession[*testToken] {
	s := &TokenSession[*testToken]{Cache: f.store.Cache("p", "token"), Now: func() time.Time { return f.now }}
	s.Login = func() (*Login, error) { return &Login{Fingerprint: Fingerprint("https://api", f.secret)}, nil }
	s.Mint = func(context.Context, *Login) (*testToken, error) {
		time.Sleep(f.mintDelay)
		n := f.mints.Add(1)
		return &testToken{Value: fmt.Sprintf("tok-%d", n), Expires: f.now.Add(f.lifetime), Refresh: "r"}, nil
	}
	if f.refreshable {
		s.Refresh = func(_ context.Context, old *testToken) (*testToken, error) {
			if old.Refresh == "" {
				return nil, errors.New("no refresh token")
			}
			n := f.refreshes.Add(1)
			return &testToken{Value: fmt.Sprintf("refreshed-%d", n), Expires: f.now.Add(f.lifetime)}, nil
		}
	}
	return s
}

func TestTokenSession(t *testing.T) {
	ctx := context.Background()
	f := &sessionFixture{store: New(NewMemory(), func(string) string { return "" }), now: time.Unix(1_800_000_000, 0), secret: "s1",
		lifetime: time.Hour, mintDelay: 5 * time.Millisecond}

	// Many requests at once log in once.
	s := f.session()
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tok, _, err := s.Token(ctx, ""); err != nil || tok != "tok-1" {
				t.Errorf("concurrent Token = %q, %v", tok, err)
			}
		}()
	}
	wg.Wait()
	if n := f.mints.Load(); n != 1 {
		t.Fatalf("16 concurrent requests logged in %d times", n)
	}

	// Another process (a new session) reuses the cached token of the same
	// login, and not of another.
	if tok, fresh, err := f.session().Token(ctx, ""); err != nil || tok != "tok-1" || fresh {
		t.Fatalf("cached token: %q fresh=%v %v", tok, fresh, err)
	}
	f.secret = "s2"
	if tok, _, err := f.session().Token(ctx, ""); err != nil || tok != "tok-2" {
		t.Fatalf("another login reused the cached token: %q %v", tok, err)
	}

	// A refused token is replaced by a login, once for concurrent 401s.
	s = f.session()
	if tok, fresh, err := s.Token(ctx, "tok-2"); err != nil || tok != "tok-3" || !fresh {
		t.Fatalf("after a 401: %q fresh=%v %v", tok, fresh, err)
	}
	if tok, _, err := s.Token(ctx, "tok-2"); err != nil || tok != "tok-3" || f.mints.Load() != 3 {
		t.Fatalf("a second 401 of the same token logged in again: %q, %d logins, %v", tok, f.mints.Load(), err)
	}

	// A lapsed token: refreshed when the session can, else a login.
	f.now = f.now.Add(2 * time.Hour)
	if tok, _, err := s.Token(ctx, ""); err != nil || tok != "tok-4" {
		t.Fatalf("lapsed, no Refresh: %q %v", tok, err)
	}
	f.refreshable = true
	s = f.session()
	f.now = f.now.Add(2 * time.Hour)
	if tok, _, err := s.Token(ctx, ""); err != nil || tok != "refreshed-1" || f.refreshes.Load() != 1 {
		t.Fatalf("lapsed, refreshable: %q %v", tok, err)
	}
	f.now = f.now.Add(2 * time.Hour) // the refreshed token has no refresh token
	if tok, _, err := s.Token(ctx, ""); err != nil || tok != "tok-5" {
		t.Fatalf("refresh refused: want a login, got %q %v", tok, err)
	}

	// Authenticate always logs in.
	if err := s.Authenticate(ctx); err != nil || f.mints.Load() != 6 {
		t.Fatalf("Authenticate: %v, %d logins", err, f.mints.Load())
	}

	// A cached token no header can carry is not used.
	bad := `{"fingerprint":"` + Fingerprint("https://api", f.secret) + `","value":{"value":"a\r\nb","expires":"2099-01-01T00:00:00Z"}}`
	if err := f.store.Set("p", "token", bad); err != nil {
		t.Fatal(err)
	}
	if tok, _, err := f.session().Token(ctx, ""); err != nil || tok != "tok-7" {
		t.Fatalf("a malformed cached token: %q %v", tok, err)
	}
}
