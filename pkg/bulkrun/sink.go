package bulkrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/base/fsafe"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Delivery is a new secret on its way to where the receiver reads it.
type Delivery struct {
	Provider            string     `json:"provider"`
	Profile             string     `json:"profile"`
	ID                  string     `json:"id"`
	Secret              string     `json:"secret"`
	RotatedAt           time.Time  `json:"rotated_at"`
	OldSecretValidUntil *time.Time `json:"old_secret_valid_until"`
}

// Sink receives new secrets besides the credential store. Delivery is at
// least once: a rerun after a crash or a failed delivery sends again, to the
// sinks named on that rerun's command line (never to ones read back from
// the journal, which is only a file on disk).
type Sink interface {
	// Spec names the sink in the journal (file:PATH, exec:CMD) and in
	// messages; it never contains a secret.
	Spec() string
	// Check tells, before any rotation, whether the sink can work: a
	// broken one stops the run with nothing changed (exit 2).
	Check(ctx context.Context) error
	Deliver(ctx context.Context, d Delivery) error
}

// FileSink appends one JSON line per secret to a 0600 file, fsynced.
type FileSink struct {
	path string
	mu   sync.Mutex
}

// NewFileSink returns a sink appending to path.
func NewFileSink(path string) *FileSink { return &FileSink{path: path} }

func (s *FileSink) Spec() string { return "file:" + s.path }

// Check: an existing file must be a regular file (not a link) that opens
// for appending; a new one needs an existing, writable directory. Nothing
// is created.
func (s *FileSink) Check(context.Context) error {
	fi, err := os.Lstat(s.path)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return webhook.Invalid("--secret-out %s %v", s.path, fsafe.ErrSymlink)
	case err == nil && !fi.Mode().IsRegular():
		return webhook.Invalid("--secret-out %s is not a regular file", s.path)
	case err == nil:
		f, err := fsafe.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return webhook.Invalid("--secret-out: %v", err)
		}
		return f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return webhook.Invalid("--secret-out: %v", err)
	}
	dir := filepath.Dir(s.path)
	di, err := os.Stat(dir)
	if err != nil || !di.IsDir() {
		return webhook.Invalid("--secret-out %s: the directory %s does not exist", s.path, dir).
			WithHint("create it first, or point --secret-out at an existing directory")
	}
	if err := writableDir(dir); err != nil {
		return webhook.Invalid("--secret-out %s: cannot create files in %s: %v", s.path, dir, err)
	}
	return nil
}

func (s *FileSink) Deliver(_ context.Context, d Delivery) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := fsafe.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("--secret-out: %w", err)
	}
	defer f.Close()
	// An existing file may be wider open than 0600; it is about to hold
	// secrets. f was opened without following links, so this is the file.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("--secret-out: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("--secret-out: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("--secret-out: %w", err)
	}
	return nil
}

// ExecSink runs a shell command per secret: the secret on stdin (no
// trailing newline), never in argv or env; the command's output goes to
// stderr so stdout stays the report. hookctl's own login credentials
// (HOOKCTL_API_KEY and the like) are removed from the command's environment.
type ExecSink struct {
	cmd    string
	stderr io.Writer
	// Environ is the base environment (default os.Environ).
	Environ func() []string
}

// NewExecSink returns a sink running cmd with `sh -c`.
func NewExecSink(cmd string, stderr io.Writer) *ExecSink {
	if stderr == nil {
		stderr = io.Discard
	}
	return &ExecSink{cmd: cmd, stderr: stderr, Environ: os.Environ}
}

func (s *ExecSink) Spec() string { return "exec:" + s.cmd }

// environ is the command's environment without hookctl's login
// credentials and with extra appended.
func (s *ExecSink) environ(extra ...string) []string {
	env := []string{}
	for _, kv := range s.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOOKCTL_ID" || k == "HOOKCTL_PROVIDER" || k == "HOOKCTL_PROFILE" || credentials.IsEnvVar(k) {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// plainWord is a first word that names a command as it stands (no quotes,
// expansions or assignments), which `command -v` can resolve.
var plainWord = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_./+-]+$`) })

// Check asks sh to parse the command (sh -n) and to resolve its first word
// when that is a plain word: a typo in the command stops the run before any
// rotation instead of after the first one. A command that resolves but
// fails (exit 3) is caught at the first delivery, and the run stops there.
func (s *ExecSink) Check(ctx context.Context) error {
	var out bytes.Buffer
	c := exec.CommandContext(ctx, "sh", "-n", "-c", s.cmd)
	c.Env, c.Stdout, c.Stderr = s.environ(), &out, &out
	if err := c.Run(); err != nil {
		return webhook.Invalid("--exec: sh cannot parse the command: %s", strings.TrimSpace(out.String()))
	}
	fields := strings.Fields(s.cmd)
	if len(fields) == 0 {
		return webhook.Invalid("--exec: the command is empty")
	}
	word := fields[0]
	if !plainWord().MatchString(word) {
		return nil
	}
	c = exec.CommandContext(ctx, "sh", "-c", `command -v -- "$1" >/dev/null`, "sh", word)
	c.Env = s.environ()
	if err := c.Run(); err != nil {
		return webhook.Invalid("--exec: %s: command not found (sh looked in PATH)", word).
			WithHint("check the spelling, or give the command's full path")
	}
	return nil
}

func (s *ExecSink) Deliver(ctx context.Context, d Delivery) error {
	c := exec.CommandContext(ctx, "sh", "-c", s.cmd)
	c.Stdin = strings.NewReader(d.Secret)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	c.Env = s.environ("HOOKCTL_ID="+d.ID, "HOOKCTL_PROVIDER="+d.Provider, "HOOKCTL_PROFILE="+d.Profile)
	err := c.Run()
	if out.Len() > 0 {
		fmt.Fprintf(s.stderr, "exec %s: %s", d.ID, strings.ReplaceAll(out.String(), d.Secret, "***"))
		if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			fmt.Fprintln(s.stderr)
		}
	}
	if err != nil {
		return fmt.Errorf("--exec: %w", err)
	}
	return nil
}
