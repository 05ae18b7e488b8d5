package credentials

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// helperEnv makes the test binary run one helper instead of the tests: a
// second process is the only honest test of cross-process file locking and
// of behaviour that depends on the process environment (godbus keeps one
// session bus connection per process).
const helperEnv = "HOOKCTL_CREDENTIALS_HELPER"

var helpers = map[string]func() int{
	"file-writer": fileWriterHelper,
	"keyring":     keyringHelper,
	"migrate":     migrateHelper,
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		h, ok := helpers[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
			os.Exit(2)
		}
		os.Exit(h())
	}
	os.Exit(m.Run())
}

// helperCmd runs helper name in a new process of the test binary, with this
// process's environment minus unset, plus set.
func helperCmd(ctx context.Context, name string, unset []string, set ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0])
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(unset, k) || k == helperEnv
	})
	cmd.Env = append(append(env, helperEnv+"="+name), set...)
	return cmd
}
