package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "billing", "uk.prod", "pexa-uk_2", "0", strings.Repeat("a", 63)} {
		if err := ValidName(ok); err != nil {
			t.Errorf("ValidName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", ".hidden", "-x", "_x", "a/b", `a\b`, "two words", "Prod", "ü", "a\nb", strings.Repeat("a", 64)} {
		err := ValidName(bad)
		if err == nil || !strings.Contains(err.Error(), NameRule) {
			t.Errorf("ValidName(%q) = %v, want the rule", bad, err)
		}
	}
	if err := ValidName("Prod"); err == nil || !strings.Contains(err.Error(), `"prod"`) {
		t.Errorf("ValidName(Prod) does not suggest prod: %v", err)
	}
}

// TestSaveLoadKeepsNames: a name with dots survives a save and a load
// (viper's default key delimiter is the dot).
func TestSaveLoadKeepsNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	c := &Config{Path: path, CurrentProfile: "uk.prod", Profiles: map[string]Profile{
		"uk.prod": {Provider: "pexa", Region: "uk", Settings: map[string]string{"client-id": "abc"}},
		"a.b.c":   {Provider: "solvimon"},
	}}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if names := strings.Join(got.Names(), ","); names != "a.b.c,uk.prod" {
		t.Fatalf("names after load: %s", names)
	}
	p, err := got.Resolve("")
	if err != nil || p.Name != "uk.prod" || p.Setting("client-id") != "abc" || p.Region != "uk" {
		t.Fatalf("current profile after load: %+v %v", p, err)
	}
}

// TestLoadMissingIsEmpty: no file yet is an empty config, not an error.
func TestLoadMissingIsEmpty(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "nope", "config.yaml"))
	if err != nil || c.Profiles == nil || len(c.Profiles) != 0 || c.CurrentProfile != "" {
		t.Fatalf("Load of a missing file: %+v, %v", c, err)
	}
	if _, err := c.Resolve(""); !errors.Is(err, ErrNoProfile) {
		t.Errorf("Resolve on an empty config: %v, want ErrNoProfile", err)
	}
}

// TestSaveIsPrivateAndAtomic: the file is 0600 in a 0700 directory, no
// temporary file is left behind, and every field survives a round trip.
func TestSaveIsPrivateAndAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hookctl")
	path := filepath.Join(dir, "config.yaml")
	want := Profile{Provider: "pexa", Region: "au", Environment: "prod", BaseURL: "https://api.example.com/x",
		TokenURL: "https://auth.example.com/token", Settings: map[string]string{"client-id": "c-1", "scopes": "a b"}}
	c := &Config{Path: path, Profiles: map[string]Profile{"au": want}}
	for i := 0; i < 2; i++ { // the second save replaces the first
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
	}
	for p, mode := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s is %v, want %v", p, fi.Mode().Perm(), mode)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the config dir holds %d entries, want only config.yaml: %v", len(entries), entries)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := got.Resolve("") // the only profile
	want.Name = "au"
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Fatalf("round trip:\n got %+v (%v)\nwant %+v", p, err, want)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "name:") || strings.Contains(string(raw), "path:") {
		t.Errorf("the file holds runtime-only fields:\n%s", raw)
	}
}

// TestLoadRefusesBadYAML names the file instead of starting empty, which
// would let the next save overwrite every profile.
func TestLoadRefusesBadYAML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("profiles: [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load of broken YAML: %v, want an error naming %s", err, path)
	}
}

// TestResolve: the named profile, else the current one, else the only
// one; otherwise ErrNoProfile, and an unknown name lists the known ones.
func TestResolve(t *testing.T) {
	two := &Config{CurrentProfile: "b", Profiles: map[string]Profile{"a": {Provider: "pexa"}, "b": {Provider: "pwc"}}}
	cases := []struct {
		c       *Config
		name    string
		want    string
		wantErr string
	}{
		{two, "a", "a", ""},
		{two, "", "b", ""},
		{&Config{Profiles: two.Profiles}, "", "", ErrNoProfile.Error()},
		{&Config{Profiles: map[string]Profile{"only": {Provider: "pexa"}}}, "", "only", ""},
		{two, "c", "", `profile "c" not found (known: a, b)`},
		{&Config{Profiles: map[string]Profile{}}, "x", "", `profile "x" not found (known: none yet)`},
		{&Config{CurrentProfile: "gone", Profiles: two.Profiles}, "", "", `profile "gone" not found`},
	}
	for _, tc := range cases {
		p, err := tc.c.Resolve(tc.name)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("Resolve(%q) = %+v, %v; want error %q", tc.name, p, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || p.Name != tc.want || p.Provider != tc.c.Profiles[tc.want].Provider):
			t.Errorf("Resolve(%q) = %+v, %v; want %s", tc.name, p, err, tc.want)
		}
	}
}

// TestDirs: config under XDG_CONFIG_HOME; state under XDG_STATE_HOME, else
// ~/.local/state, created 0700.
func TestDirs(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
	if p, err := DefaultPath(nil); err != nil || p != filepath.Join(home, "cfg", "hookctl", "config.yaml") {
		t.Errorf("DefaultPath = %s, %v", p, err)
	}
	// The environment given wins over the process's: tests run in
	// parallel, each with its own.
	env := map[string]string{"XDG_CONFIG_HOME": "/elsewhere/cfg", "XDG_STATE_HOME": filepath.Join(home, "own")}
	getenv := func(k string) string { return env[k] }
	if p, err := DefaultPath(getenv); err != nil || p != "/elsewhere/cfg/hookctl/config.yaml" {
		t.Errorf("DefaultPath(getenv) = %s, %v", p, err)
	}
	if d, err := StateDir(getenv); err != nil || d != filepath.Join(home, "own", "hookctl") {
		t.Errorf("StateDir(getenv) = %s, %v", d, err)
	}
	for _, tc := range []struct{ xdg, want string }{
		{filepath.Join(home, "st"), filepath.Join(home, "st", "hookctl")},
		{"", filepath.Join(home, ".local", "state", "hookctl")},
	} {
		t.Setenv("XDG_STATE_HOME", tc.xdg)
		d, err := StateDir(nil)
		if err != nil || d != tc.want {
			t.Fatalf("StateDir with XDG_STATE_HOME=%q: %s, %v; want %s", tc.xdg, d, err, tc.want)
		}
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, %v; want a 0700 directory", d, fi, err)
		}
	}
}

// TestValidNameMatchesPattern: validName accepts exactly what the
// documented pattern does.
func TestValidNameMatchesPattern(t *testing.T) {
	re := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	alphabet := []byte("az09._-AZ/ \x00é")
	names := []string{"", strings.Repeat("a", 63), strings.Repeat("a", 64), "a\n", "é", "uk.prod"}
	for _, a := range alphabet {
		for _, b := range alphabet {
			for _, c := range []string{"", "x", "."} {
				names = append(names, string(a)+string(b)+c, string(a)+c)
			}
		}
	}
	for _, n := range names {
		if got, want := validName(n), re.MatchString(n); got != want {
			t.Errorf("validName(%q) = %v, pattern says %v", n, got, want)
		}
	}
}
