package credentials

import (
	"errors"
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
	if c.Load(&v) {
		t.Fatal("Load succeeded on a failing backend")
	}
	c.Save(v)
	c.Drop()
	if b.calls != 1 {
		t.Fatalf("%d backend calls after the first failure, want only that one", b.calls)
	}
}

func TestCacheRoundTripAndRequire(t *testing.T) {
	s := New(NewMemory(), func(k string) string { return map[string]string{"HOOKCTL_API_KEY": "from-env"}[k] })
	c := s.Cache("p", "token")
	c.Save(map[string]string{"token": "abc"})
	var got map[string]string
	if !c.Load(&got) || got["token"] != "abc" {
		t.Fatalf("round trip: %v", got)
	}
	c.Drop()
	if c.Load(&got) {
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
