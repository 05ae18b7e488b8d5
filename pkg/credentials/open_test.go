package credentials

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestOpenKeyring(t *testing.T) {
	for _, storage := range []string{"", "keyring", " Keyring "} {
		var notice bytes.Buffer
		s, err := Open(OpenOptions{Storage: storage, Timeout: 250 * time.Millisecond, Notice: &notice,
			Getenv: envOf(map[string]string{"HOOKCTL_API_KEY": "from-env"})})
		if err != nil {
			t.Fatalf("%q: %v", storage, err)
		}
		k, ok := s.Backend().(*Keyring)
		if !ok || s.Source() != SourceKeyring || k.Timeout() != 250*time.Millisecond {
			t.Fatalf("%q: backend %T, source %s", storage, s.Backend(), s.Source())
		}
		if notice.Len() != 0 {
			t.Fatalf("%q: keyring announced: %q", storage, notice.String())
		}
		// Env overrides work through the opened store without the keyring.
		if v, src, err := s.Lookup("p", "api-key"); err != nil || v != "from-env" || src != SourceEnv {
			t.Fatalf("%q: Lookup = %q, %s, %v", storage, v, src, err)
		}
	}
	s, _ := Open(OpenOptions{})
	if k := s.Backend().(*Keyring); k.Timeout() != DefaultTimeout {
		t.Fatalf("default timeout %v", k.Timeout())
	}
}

func TestOpenFileAnnounces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookctl", "credentials.json")
	var notice bytes.Buffer
	s, err := Open(OpenOptions{Storage: "file", FilePath: path, Notice: &notice})
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := s.Backend().(*File); !ok || f.Path() != path || s.Source() != SourceFile {
		t.Fatalf("backend %T, source %s", s.Backend(), s.Source())
	}
	if notice.Len() != 0 {
		t.Fatalf("announced before any use: %q", notice.String())
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Open created the file")
	}
	// The first use announces the file, once, "storing" for a write.
	if err := s.Set("p", "api-key", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("p", "api-key"); err != nil {
		t.Fatal(err)
	}
	if got := notice.String(); strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") ||
		!strings.Contains(got, path) || !strings.Contains(got, "storing secrets in the plain file") {
		t.Fatalf("notice %q, want one line storing in the plain file", got)
	}
	if v, err := NewFile(path).Get("p/api-key"); err != nil || v != "v" {
		t.Fatalf("file holds %q, %v", v, err)
	}
	// A command that only reads says "using".
	notice.Reset()
	s, err = Open(OpenOptions{Storage: "file", FilePath: path, Notice: &notice})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("p", "api-key"); err != nil {
		t.Fatal(err)
	}
	if got := notice.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "using secrets in the plain file") {
		t.Fatalf("notice of a read %q", got)
	}
}

// With no Notice writer the announcement goes to stderr, never nowhere.
func TestOpenFileNoticeDefaultsToStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	s, err := Open(OpenOptions{Storage: "file", FilePath: "/nonexistent/creds.json"})
	if err == nil {
		_, _ = s.Backend().Get("p/x")
	}
	os.Stderr = old
	w.Close()
	out, _ := io.ReadAll(r)
	if err != nil || !strings.Contains(string(out), "/nonexistent/creds.json") {
		t.Fatalf("stderr %q, err %v", out, err)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(OpenOptions{Storage: "file"})
	if err == nil || !strings.Contains(err.Error(), "path") {
		t.Fatalf("file without path: %v", err)
	}
	_, err = Open(OpenOptions{Storage: "plaintext"})
	if webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "HOOKCTL_STORAGE") || !strings.Contains(err.Error(), `"plaintext"`) {
		t.Fatalf("unknown storage: %v (kind %v)", err, webhook.KindOf(err))
	}
}

// A keyring that cannot be used is an error naming the file opt-in, never a
// quiet switch to the file.
func TestOpenNeverFallsBackToFile(t *testing.T) {
	if !usesSecretService() {
		t.Skip("no D-Bus on this platform")
	}
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skip("a systemd user bus exists; godbus would use it")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	var notice bytes.Buffer
	s, err := Open(OpenOptions{Notice: &notice, Getenv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Set("p", "api-key", "v")
	if !errors.Is(err, ErrKeyringUnavailable) || !strings.Contains(err.Error(), "HOOKCTL_STORAGE=file") {
		t.Fatalf("Set = %v, want the keyring error naming the file opt-in", err)
	}
	if _, _, err := s.Lookup("p", "api-key"); !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Lookup = %v, want the keyring error, not not-found", err)
	}
	if notice.Len() != 0 || s.Source() != SourceKeyring {
		t.Fatalf("notice %q, source %s", notice.String(), s.Source())
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("files written: %v", entries)
	}
}
