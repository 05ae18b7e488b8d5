package rotation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/pkg/credentials"
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
// least once: a rerun after a crash or a failed delivery sends again.
type Sink interface {
	// Spec names the sink in the journal (file:PATH, exec:CMD) so a rerun
	// can re-deliver; it never contains a secret.
	Spec() string
	Deliver(ctx context.Context, d Delivery) error
}

// ParseSink rebuilds a sink from its journal spec.
func ParseSink(spec string, stderr io.Writer) (Sink, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "file":
		return NewFileSink(arg), nil
	case "exec":
		return NewExecSink(arg, stderr), nil
	}
	return nil, fmt.Errorf("unknown sink %q in the journal", spec)
}

// FileSink appends one JSON line per secret to a 0600 file, fsynced.
type FileSink struct {
	path string
	mu   sync.Mutex
}

// NewFileSink returns a sink appending to path.
func NewFileSink(path string) *FileSink { return &FileSink{path: path} }

func (s *FileSink) Spec() string { return "file:" + s.path }

func (s *FileSink) Deliver(_ context.Context, d Delivery) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("--secret-out: %w", err)
	}
	defer f.Close()
	// An existing file may be wider open than 0600; it is about to hold secrets.
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

func (s *ExecSink) Deliver(ctx context.Context, d Delivery) error {
	c := exec.CommandContext(ctx, "sh", "-c", s.cmd)
	c.Stdin = strings.NewReader(d.Secret)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	env := []string{}
	for _, kv := range s.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOOKCTL_ID" || k == "HOOKCTL_PROVIDER" || k == "HOOKCTL_PROFILE" || credentials.IsEnvVar(k) {
			continue
		}
		env = append(env, kv)
	}
	c.Env = append(env, "HOOKCTL_ID="+d.ID, "HOOKCTL_PROVIDER="+d.Provider, "HOOKCTL_PROFILE="+d.Profile)
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
