// Package config holds hookctl's profiles: which provider, region or
// environment, API base and the non-secret ids. Secrets never live here; they
// are in pkg/credentials. The file is YAML at $XDG_CONFIG_HOME/hookctl/config.yaml,
// written 0600 with an atomic rename so a crash never leaves half a file.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hookctl/hookctl/internal/base/fsafe"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Profile is one named connection to a provider account.
type Profile struct {
	Name        string            `yaml:"-" json:"name"`
	Provider    string            `yaml:"provider" json:"provider" mapstructure:"provider"`
	Region      string            `yaml:"region,omitempty" json:"region,omitempty" mapstructure:"region"`
	Environment string            `yaml:"environment,omitempty" json:"environment,omitempty" mapstructure:"environment"`
	BaseURL     string            `yaml:"base-url,omitempty" json:"base_url,omitempty" mapstructure:"base-url"`
	TokenURL    string            `yaml:"token-url,omitempty" json:"token_url,omitempty" mapstructure:"token-url"`
	Settings    map[string]string `yaml:"settings,omitempty" json:"settings,omitempty" mapstructure:"settings"`
}

// Setting returns a provider-specific setting ("" when unset).
func (p Profile) Setting(key string) string { return p.Settings[key] }

// Config is the whole file.
type Config struct {
	Path           string             `yaml:"-"`
	CurrentProfile string             `yaml:"current-profile,omitempty" mapstructure:"current-profile"`
	Profiles       map[string]Profile `yaml:"profiles" mapstructure:"profiles"`
}

// DefaultPath is $XDG_CONFIG_HOME/hookctl/config.yaml, else the
// platform's config directory (~/.config/... on Linux). getenv (nil:
// os.Getenv) reads the environment, so tests can run in parallel, each
// with its own.
func DefaultPath(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		var err error
		if dir, err = os.UserConfigDir(); err != nil {
			return "", fmt.Errorf("cannot find a config directory (set HOOKCTL_CONFIG or XDG_CONFIG_HOME): %w", err)
		}
	}
	return filepath.Join(dir, "hookctl", "config.yaml"), nil
}

// StateDir is $XDG_STATE_HOME/hookctl (or ~/.local/state/hookctl): journals,
// locks, caches. Created 0700. getenv as for DefaultPath.
func StateDir(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	dir := getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find a state directory (set XDG_STATE_HOME): %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "hookctl")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return dir, nil
}

// Load reads the config file; a missing file is an empty config.
func Load(path string) (*Config, error) {
	c := &Config{Path: path, Profiles: map[string]Profile{}}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	// Profile names may hold dots, viper's default key delimiter, which
	// would split "uk.prod" into nested keys; ":" is in no key hookctl writes.
	v := viper.NewWithOptions(viper.KeyDelimiter("::"))
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if err := v.Unmarshal(c); err != nil {
		return nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	if c.Profiles == nil {
		c.Profiles = map[string]Profile{}
	}
	for name, p := range c.Profiles {
		p.Name = name
		c.Profiles[name] = p
	}
	return c, nil
}

// Save writes the config atomically with mode 0600 (directory 0700).
func (c *Config) Save() error {
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o700); err != nil {
		return err
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	return fsafe.WriteFile(c.Path, b, 0o600)
}

// Names lists profile names sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrNoProfile means no profile was selected and none is current.
var ErrNoProfile = errors.New("no profile selected")

// ErrUnknownProfile is wrapped by Resolve's error for a name the config
// does not hold.
var ErrUnknownProfile = errors.New("profile not found")

// Resolve picks the profile: the explicit name (flag or HOOKCTL_PROFILE), else
// the current one, else the only one.
func (c *Config) Resolve(name string) (Profile, error) {
	if name == "" {
		name = c.CurrentProfile
	}
	if name == "" && len(c.Profiles) == 1 {
		name = c.Names()[0]
	}
	if name == "" {
		return Profile{}, ErrNoProfile
	}
	p, ok := c.Profiles[name]
	if !ok {
		known := "none yet"
		if len(c.Profiles) > 0 {
			known = strings.Join(c.Names(), ", ")
		}
		return Profile{}, fmt.Errorf("profile %q not found (known: %s)%w", name, known, quiet{ErrUnknownProfile})
	}
	p.Name = name
	return p, nil
}

// validName is what a profile name may be, ^[a-z0-9][a-z0-9._-]{0,62}$:
// it becomes a keyring key part ("<profile>/<name>"), a file name in the
// state dir (journal, lock, id cache) and a YAML key read back through
// viper, which folds keys to lower case; so lower case only, no path
// separators, and no leading dot (".", ".." and hidden files). By hand,
// not a regexp: compiling {0,62} took about 1 ms of every start-up.
func validName(name string) bool {
	if len(name) < 1 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// NameRule says in words what validName accepts.
const NameRule = "1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"

// ValidName reports whether name can be a profile name, and if not, why.
func ValidName(name string) error {
	if validName(name) {
		return nil
	}
	msg := fmt.Sprintf("profile name %q is not allowed: use %s", name, NameRule)
	if low := strings.ToLower(name); low != name && validName(low) {
		msg += fmt.Sprintf(" (e.g. %q)", low)
	}
	return errors.New(msg)
}

// quiet wraps an error for errors.Is without adding to the message.
type quiet struct{ err error }

func (q quiet) Error() string { return "" }
func (q quiet) Unwrap() error { return q.err }
