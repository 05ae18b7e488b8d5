package cmd_test

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/cmd"
)

// Ctrl-C cancels a running command, which says "interrupted" and exits
// 130 ('hookctl help exit-codes'). Main watches signals only once a
// command runs (issue 17); this is a command that runs.
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
