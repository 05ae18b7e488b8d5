//go:build linux || darwin

package cmd_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hookctl/hookctl/cmd"
)

// TestCtrlCAtConfirmExits130: Ctrl-C typed at a y/N
// question on a real terminal (a pseudo-terminal whose line discipline
// turns ^C into SIGINT for the foreground process group) ends hookctl at
// once with 130, "interrupted", and nothing changed; not after the next
// Enter with 9, as a declined question does.
func TestCtrlCAtConfirmExits130(t *testing.T) {
	cli := cmd.NewCLI(t)
	cli.OK("profile", "add", "ctrlc", "--provider", "solvimon", "--environment", "test")
	c, ptmx, seen := startOnTerminal(t, cli, nil, "profile", "remove", "ctrlc")
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(seen(), "[y/N]"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("no question within 20s; terminal: %q", seen())
		}
	}
	if _, err := ptmx.Write([]byte{0x03}); err != nil { // ^C
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	var werr error
	select {
	case werr = <-exited:
	case <-time.After(10 * time.Second):
		ptmx.Write([]byte("\n")) // what a user would try next
		select {
		case werr = <-exited:
		case <-time.After(10 * time.Second):
			c.Process.Kill()
			werr = <-exited
		}
		t.Errorf("Ctrl-C did not end hookctl within 10s; after Enter: %v", werr)
	}
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130; terminal: %q", werr, seen())
	}
	// What hookctl wrote before it exited may still be on its way to the reader.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(seen(), "interrupted"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("terminal %q does not say interrupted", seen())
			break
		}
	}
	if out := cli.OK("profile", "list"); !strings.Contains(out, "ctrlc") {
		t.Errorf("the profile is gone after Ctrl-C:\n%s", out)
	}
}

// TestAuthLoginChecksStoreBeforePrompt: on a terminal
// with no keyring reachable, `auth login` says so before it asks for the
// secret, not after the user has typed it: exit 1 (the store, not the
// credentials), the reason and the fixes, and no prompt at all.
func TestAuthLoginChecksStoreBeforePrompt(t *testing.T) {
	cli := cmd.NewCLI(t, "HOOKCTL_STORAGE", "")
	cli.OK("profile", "add", "nostore", "--provider", "solvimon", "--environment", "test", "--base-url", "http://127.0.0.1:1/solvimon")
	// A bus address whose socket does not exist: no Secret Service,
	// whatever the machine running the test has.
	c, ptmx, seen := startOnTerminal(t, cli, []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + cli.Dir + "/no-bus"}, "auth", "login", "-p", "nostore")
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	var werr error
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for typed := false; ; {
		select {
		case werr = <-exited:
			break wait
		case <-tick.C:
			// At the prompt: type a value, as a user would, to see what
			// it does with it.
			if !typed && strings.Contains(seen(), "API key") {
				ptmx.Write([]byte("typed-for-nothing\r"))
				typed = true
			}
		case <-deadline:
			c.Process.Kill()
			werr = <-exited
			break wait
		}
	}
	// What hookctl wrote before it exited may still be on its way.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(seen(), "error:"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			break
		}
	}
	out := seen()
	if strings.Contains(out, "API key") {
		t.Errorf("asked for the API key before finding the store unusable:\n%s", out)
	}
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit %v, want 1 (the store, not the credentials); terminal:\n%s", werr, out)
	}
	for _, want := range []string{"OS keyring", "HOOKCTL_STORAGE=file", "--insecure-storage", "Secret Service"} {
		if !strings.Contains(out, want) {
			t.Errorf("does not say %q:\n%s", want, out)
		}
	}
}

// startOnTerminal starts the hookctl binary with args on a new
// pseudo-terminal (stdin, stdout and stderr), in its own session with the
// terminal as its controlling one, so ^C typed there reaches it, with
// cli's environment and extra (NAME=VALUE). It returns the running command,
// the terminal's other end (closed when the test ends) and what the
// terminal has shown so far.
func startOnTerminal(t *testing.T, cli *cmd.CLI, extra []string, args ...string) (*exec.Cmd, *os.File, func() string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	c := exec.Command(hookctlPath, args...)
	for k, v := range cli.Env {
		c.Env = append(c.Env, k+"="+v)
	}
	c.Env = append(c.Env, extra...)
	c.Stdin, c.Stdout, c.Stderr = tty, tty, tty
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := ptmx.Read(b)
			mu.Lock()
			screen.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return c, ptmx, func() string { mu.Lock(); defer mu.Unlock(); return screen.String() }
}
