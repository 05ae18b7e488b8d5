package cmd

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// GlobalOptions are the root's persistent flags after flag > env > default.
type GlobalOptions struct {
	Profile         string
	Output          string
	JQ              string
	ConfigFile      string
	BaseURL         string
	Debug           bool
	Timeout         time.Duration
	NoColor         bool
	Quiet           bool
	Yes             bool
	InsecureStorage bool

	profileFrom string // where Profile came from, for error messages
	baseURLFrom string // where BaseURL came from ("" for the profile)
}

// Factory hands commands their dependencies lazily, so `hookctl --version`
// never loads config, opens the keyring or builds an HTTP client. Tests
// replace the func fields.
type Factory struct {
	IO      *output.IOStreams
	Getenv  func(string) string
	Now     func() time.Time
	Version string
	Global  GlobalOptions

	Config      func() (*config.Config, error)
	Credentials func() (*credentials.Store, error)
	HTTPClient  func() (*http.Client, error)
	// Provider resolves the selected profile and builds its provider client.
	Provider func() (webhook.Provider, config.Profile, error)
	Printer  func() (*output.Printer, error)

	resolved config.Profile // the last profile Profile resolved, for error messages
}

// envBindings are the globals that env variables may set.
var envBindings = map[string]string{
	"profile":  "HOOKCTL_PROFILE",
	"config":   "HOOKCTL_CONFIG",
	"base-url": "HOOKCTL_BASE_URL",
}

// NewFactory builds the default factory over real streams and env.
func NewFactory(ios *output.IOStreams, getenv func(string) string, version string) *Factory {
	f := &Factory{IO: ios, Getenv: getenv, Now: time.Now, Version: version}
	f.Config = sync.OnceValues(func() (*config.Config, error) {
		path := f.Global.ConfigFile
		if path == "" {
			var err error
			if path, err = config.DefaultPath(f.Getenv); err != nil {
				return nil, err
			}
		}
		return config.Load(path)
	})
	f.Credentials = sync.OnceValues(func() (*credentials.Store, error) {
		storage := f.Getenv("HOOKCTL_STORAGE")
		if f.Global.InsecureStorage {
			storage = "file"
		}
		var path string
		if storage == "file" {
			dir, err := f.StateDir()
			if err != nil {
				return nil, err
			}
			path = filepath.Join(dir, "credentials.json")
		}
		// Webhook secrets go to the secret db in the state dir, sealed
		// under a data key kept by the chosen backend. The plain file is
		// never a fallback: it is only ever the user's explicit choice
		// (HOOKCTL_STORAGE=file, --insecure-storage), so it is not
		// announced on every command; `auth status` and `doctor` say
		// where the credentials are.
		return credentials.Open(credentials.OpenOptions{
			Storage: storage, FilePath: path, StateDir: f.StateDir, Getenv: f.Getenv, Notice: io.Discard,
		})
	})
	f.HTTPClient = sync.OnceValues(func() (*http.Client, error) { return f.NewHTTPClient(nil), nil })
	f.Provider = func() (webhook.Provider, config.Profile, error) {
		p, spec, err := f.Profile()
		if err != nil {
			return nil, p, err
		}
		deps, err := f.Deps(p)
		if err != nil {
			return nil, p, err
		}
		prov, err := spec.New(deps)
		return prov, p, err
	}
	f.Printer = func() (*output.Printer, error) {
		format, err := output.ParseFormat(f.Global.Output)
		if err != nil {
			return nil, err
		}
		return &output.Printer{IO: f.IO, Format: format, JQ: f.Global.JQ, Quiet: f.Global.Quiet}, nil
	}
	return f
}

// StateDir is hookctl's state directory (journals, locks, caches, the
// secret db), from the Factory's environment.
func (f *Factory) StateDir() (string, error) { return config.StateDir(f.Getenv) }

// NewHTTPClient builds an HTTP client with the global --timeout, hookctl's
// User-Agent and the --debug trace; adjust, when set, changes the options
// first (rate limits, retries). Every HTTP client hookctl uses comes from
// here.
func (f *Factory) NewHTTPClient(adjust func(*httpclient.Options)) *http.Client {
	opts := httpclient.Options{Timeout: f.Global.Timeout, UserAgent: "hookctl/" + f.Version}
	if f.Global.Debug {
		opts.Debug = f.IO.ErrOut
	}
	if adjust != nil {
		adjust(&opts)
	}
	return httpclient.New(opts)
}

// Profile resolves the selected profile and its provider spec, applying the
// --base-url / HOOKCTL_BASE_URL override.
func (f *Factory) Profile() (config.Profile, provider.Spec, error) {
	cfg, err := f.Config()
	if err != nil {
		return config.Profile{}, provider.Spec{}, err
	}
	name, err := f.ProfileName()
	if err != nil {
		return config.Profile{}, provider.Spec{}, err
	}
	p, err := cfg.Resolve(name)
	if errors.Is(err, config.ErrNoProfile) {
		return p, provider.Spec{}, webhook.Errorf(webhook.KindUsage, "no profile selected").
			WithHint("add one with `hookctl profile add NAME --provider P`, then pass -p NAME, set HOOKCTL_PROFILE, or run `hookctl profile use NAME`")
	}
	if err != nil {
		return p, provider.Spec{}, profileError(err)
	}
	spec, err := providers.Lookup(p.Provider)
	if err != nil {
		return p, spec, &webhook.Error{Kind: webhook.KindUsage, Err: fmt.Errorf("profile %s: %w", p.Name, err)}
	}
	if f.Global.BaseURL != "" {
		p.BaseURL = f.Global.BaseURL
	}
	f.resolved = p
	return p, spec, nil
}

// ProfileName is the profile asked for with -p or HOOKCTL_PROFILE ("" for
// none), refused with exit 2 when it cannot be a profile name: such a name
// is never in the config, and it must not reach a keyring key or a path.
func (f *Factory) ProfileName() (string, error) {
	name := f.Global.Profile
	if name == "" {
		return "", nil
	}
	if err := config.ValidName(name); err != nil {
		return "", usageErrorf("%s: %v", f.Global.profileFrom, err)
	}
	return name, nil
}

// Deps builds what a provider client needs.
func (f *Factory) Deps(p config.Profile) (provider.Deps, error) {
	hc, err := f.HTTPClient()
	if err != nil {
		return provider.Deps{}, err
	}
	creds, err := f.Credentials()
	if err != nil {
		return provider.Deps{}, err
	}
	return provider.Deps{Profile: p, HTTP: hc, Creds: creds, ErrOut: f.IO.ErrOut, Now: f.Now}, nil
}

// resolveGlobals applies flag > env > default to the persistent flags:
// a flag given on the command line wins, else its env variable when set
// and not empty, else the flag's default. This is what a private viper
// instance with BindPFlag and BindEnv did, without viper on every start,
// and from the Factory's environment (tests give each run its own).
// A command's own repeatable -p (addProfilesFlag) given once selects the
// profile as the global -p does.
func (f *Factory) resolveGlobals(c *cobra.Command) error {
	flags := c.Root().PersistentFlags()
	for key, env := range envBindings {
		fl := flags.Lookup(key)
		if fl == nil {
			return fmt.Errorf("flag %q not found", key)
		}
		if fl.Changed {
			continue
		}
		if v := f.Getenv(env); v != "" {
			if err := fl.Value.Set(v); err != nil {
				return err
			}
		}
	}
	f.Global.profileFrom = envBindings["profile"]
	if flags.Changed("profile") {
		f.Global.profileFrom = "-p/--profile"
	}
	if name, ok := localProfile(c); ok {
		f.Global.Profile, f.Global.profileFrom = name, "-p/--profile"
	}
	switch {
	case flags.Changed("base-url"):
		f.Global.baseURLFrom = "--base-url"
	case f.Global.BaseURL != "":
		f.Global.baseURLFrom = envBindings["base-url"]
	}
	if f.Getenv("NO_COLOR") != "" || f.Global.NoColor {
		f.IO.SetColor(false)
	}
	if f.Global.Timeout <= 0 {
		return webhook.Invalid("--timeout must be positive")
	}
	if f.Global.JQ != "" {
		if _, err := output.CompileJQ(f.Global.JQ); err != nil {
			return err
		}
	}
	_, err := output.ParseFormat(f.Global.Output)
	return err
}

// profileError is the error for a profile name the config does not hold:
// exit 2 in every command, as for no profile or an invalid name (the
// input names nothing; 5 is for what a provider does not have).
func profileError(err error) error {
	return (&webhook.Error{Kind: webhook.KindUsage, Err: err}).WithHint("`hookctl profile list` shows the profiles; `hookctl profile add NAME --provider P` adds one")
}
