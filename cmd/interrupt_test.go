package cmd_test

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/cmd"
)

// Ctrl-C cancels a running command, which says "interrupted" and exits
// 130 ('hookctl help exit-codes'). Main watches signals only once a
// command runs; this is a command that runs.
func TestInterruptedCommandExits130(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c // and never answer
		}
	}()
	cli := cmd.NewCLI(t, "HOOKCTL_API_KEY", "sandbox-api-key")
	cli.OK("profile", "add", "p", "--provider", "solvimon", "--environment", "test", "--base-url", "http://"+ln.Addr().String())
	c := exec.Command(hookctlPath, "list", "-p", "p")
	for k, v := range cli.Env {
		c.Env = append(c.Env, k+"="+v)
	}
	var errOut bytes.Buffer
	c.Stderr = &errOut
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case conn := <-accepted:
		defer conn.Close()
	case <-time.After(20 * time.Second):
		c.Process.Kill()
		t.Fatalf("list never connected; stderr: %s", errOut.String())
	}
	if err := c.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = c.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(errOut.String(), "interrupted") {
		t.Fatalf("list after Ctrl-C: %v, stderr %q; want exit 130 and interrupted", err, errOut.String())
	}
}

// startUntil starts hookctl with args and cli's environment and waits
// until its stderr has a line containing ready; it returns the process and
// a func that waits for it to exit and returns the error and all of stderr.
func startUntil(t *testing.T, cli *cmd.CLI, ready string, args ...string) (*exec.Cmd, func() (error, string)) {
	t.Helper()
	c := exec.Command(hookctlPath, args...)
	for k, v := range cli.Env {
		c.Env = append(c.Env, k+"="+v)
	}
	stderr, err := c.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var seen bytes.Buffer
	lines := make(chan bool)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if !found && strings.Contains(sc.Text(), ready) {
				found = true
				lines <- true
			}
		}
		if !found {
			lines <- false
		}
	}()
	if !<-lines {
		c.Wait()
		t.Fatalf("hookctl %s exited before %q; stderr: %s", strings.Join(args, " "), ready, seen.String())
	}
	return c, func() (error, string) {
		<-done
		err := c.Wait()
		return err, seen.String()
	}
}

// Servers that run until interrupted stop cleanly on Ctrl-C and SIGTERM
// and exit 0, as their help says ('verify listen': "Runs until
// interrupted ... 0 when every delivery handled was valid"; 'sandbox
// serve': "Ctrl-C to stop"), rather than being killed by the signal.
func TestInterruptedServersExit0(t *testing.T) {
	cli := cmd.NewCLI(t, "WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		for _, tc := range []struct {
			ready string
			args  []string
		}{
			{"listening on", []string{"verify", "listen", "--secret-env", "WEBHOOK_SECRET", "--addr", "127.0.0.1:0"}},
			{"sandbox listening on", []string{"sandbox", "serve", "--addr", "127.0.0.1:0"}},
		} {
			c, wait := startUntil(t, cli, tc.ready, tc.args...)
			if err := c.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err, errOut := wait(); err != nil {
				t.Errorf("hookctl %s after %v: %v, stderr %q; want exit 0", strings.Join(tc.args, " "), sig, err, errOut)
			}
		}
	}
}
