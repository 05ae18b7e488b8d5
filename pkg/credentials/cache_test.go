package credentials

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// failingBackend answers every call with an error, counting them.
type failingBackend struct{ calls int }

func (f *failingBackend) Get(string) (string, error) { f.calls++; return "", errors.New("bus hung up") }
func (f *failingBackend) Set(string, string) error   { f.calls++; return errors.New("bus hung up") }
func (f *failingBackend) Delete(string) error        { f.calls++; return errors.New("bus hung up") }
func (f *failingBackend) Source() Source             { return SourceKeyring }

func TestCacheLeavesABrokenKeyringAlone(t *testing.T) {
	b := &failingBackend{}
	c := New(b, func(string) string { return "" }).Cache("p", "token")
	var v struct{ Token string }
	if c.Load("fp", &v) {
		t.Fatal("Load succeeded on a failing backend")
	}
	c.Save("fp", v)
	c.Drop()
	if b.calls != 1 {
		t.Fatalf("%d backend calls after the first failure, want only that one", b.calls)
	}
}

func TestCacheRoundTripAndRequire(t *testing.T) {
	s := New(NewMemory(), func(k string) string { return map[string]string{"HOOKCTL_API_KEY": "from-env"}[k] })
	c := s.Cache("p", "token")
	fp := Fingerprint("https://api.example", "user", "right-secret")
	c.Save(fp, map[string]string{"token": "abc"})
	var got map[string]string
	if !c.Load(fp, &got) || got["token"] != "abc" {
		t.Fatalf("round trip: %v", got)
	}
	c.Drop()
	if c.Load(fp, &got) {
		t.Fatal("Load after Drop")
	}
	if v, err := s.Require("p", "api-key"); err != nil || v != "from-env" {
		t.Fatalf("Require api-key = %q, %v", v, err)
	}
	if _, err := s.Require("p", "password"); err == nil {
		t.Fatal("Require of an absent credential succeeded")
	}
	var none *Store
	if _, err := none.Require("p", "api-key"); err == nil {
		t.Fatal("Require on a nil store succeeded")
	}
}

func TestCheckToken(t *testing.T) {
	for _, ok := range []string{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "opaque-token_1~+/==", "1|laravel-style"} {
		if err := CheckToken(ok, "test"); err != nil {
			t.Errorf("CheckToken(%q) = %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"abc\r\nX-Injected: 1": "byte 4 of 18 is a line break",
		"abc\ndef":             "byte 4 of 7 is a line break",
		"abc def":              "a space",
		"abc\x00":              "a control character",
		"abc\x7f":              "a control character",
		"abcé":                 "not ASCII",
	} {
		err := CheckToken(bad, "the token endpoint")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "the token endpoint answered a malformed access token") {
			t.Errorf("CheckToken(%q) = %v, want %q", bad, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "abc") {
			t.Errorf("CheckToken quotes the token: %v", err)
		}
	}
}

// TestCacheKeyedByFingerprint: an entry is returned only for the
// fingerprint it was saved under; a token saved before fingerprints (no
// envelope) is ignored; the stored entry holds no part of the credential.
func TestCacheKeyedByFingerprint(t *testing.T) {
	mem := NewMemory()
	c := New(mem, nil).Cache("p", "token")
	right := Fingerprint("https://api.example", "client", "right-secret")
	wrong := Fingerprint("https://api.example", "client", "wrong-secret")
	if right == wrong || len(right) != 64 {
		t.Fatalf("fingerprints %q and %q", right, wrong)
	}
	c.Save(right, map[string]string{"token": "abc"})
	var got map[string]string
	if c.Load(wrong, &got) {
		t.Fatal("a token saved for one secret was loaded for another")
	}
	raw, _ := mem.Get(Key("p", "token"))
	for _, part := range []string{"right-secret", "client", "api.example"} {
		if strings.Contains(raw, part) {
			t.Fatalf("the cache entry %s holds %q", raw, part)
		}
	}
	if err := mem.Set(Key("p", "token"), `{"token":"abc"}`); err != nil {
		t.Fatal(err)
	}
	if c.Load(right, &got) {
		t.Fatal("an entry without a fingerprint was loaded")
	}
	// Parts are length-prefixed: moving a boundary changes the fingerprint.
	if Fingerprint("ab", "c") == Fingerprint("a", "bc") {
		t.Fatal("fingerprint parts are ambiguous")
	}
}

func TestCacheWarnsOnce(t *testing.T) {
	var warnings []string
	c := New(&failingBackend{}, nil).Cache("p", "token").WarnOnFailure("test token", func(format string, args ...any) {
		warnings = append(warnings, fmt.Sprintf(format, args...))
	})
	c.Save("fp", "v")
	c.Save("fp", "v")
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "warning: cannot cache the test token (bus hung up)") {
		t.Fatalf("warnings %q", warnings)
	}
}

// TestTrial: tried values win over env and the backend, other entries read
// through, and writes never reach the backend.
func TestTrial(t *testing.T) {
	mem := NewMemory()
	s := New(mem, func(k string) string {
		return map[string]string{"HOOKCTL_CLIENT_SECRET": "from-env", "HOOKCTL_API_KEY": "key-from-env"}[k]
	})
	if err := s.Set("p", "signing-key", "pem"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("p", "token", "old-token"); err != nil {
		t.Fatal(err)
	}
	tr := s.Trial("p", map[string]string{"client-secret": "tried"})
	if v, _, err := tr.Lookup("p", "client-secret"); err != nil || v != "tried" {
		t.Fatalf("tried value: %q %v", v, err)
	}
	if v, src, _ := tr.Lookup("p", "api-key"); v != "key-from-env" || src != SourceEnv {
		t.Fatalf("other env values read through: %q %s", v, src)
	}
	if v, _ := tr.Get("p", "signing-key"); v != "pem" {
		t.Fatalf("other backend entries read through: %q", v)
	}
	if err := tr.Set("p", "token", "new-token"); err != nil {
		t.Fatal(err)
	}
	if err := tr.Delete("p", "signing-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Get("p", "signing-key"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted in the trial, still read: %v", err)
	}
	for key, want := range map[string]string{"token": "old-token", "signing-key": "pem"} {
		if v, err := s.Get("p", key); err != nil || v != want {
			t.Fatalf("the trial wrote through to the backend: %s = %q (%v)", key, v, err)
		}
	}
	if _, err := s.Get("p", "client-secret"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the tried value reached the backend: %v", err)
	}
}
