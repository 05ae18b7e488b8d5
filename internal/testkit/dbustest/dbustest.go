// Package dbustest starts throwaway D-Bus session buses and Secret Services
// for tests that must prove how hookctl behaves against real ones: a bus
// without a Secret Service, a Secret Service that never answers, a locked
// gnome-keyring. Every daemon is a child of the test process, killed by the
// test's cleanup; nothing touches the user's own session.
package dbustest

import (
	"bufio"
	"bytes"
	_ "embed"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// SessionConf is the bus configuration shared with scripts/keyring-env.sh:
// no service directories, so no bus activation.
//
//go:embed session.conf
var SessionConf []byte

// SecretsName is the well-known name of the Secret Service.
const SecretsName = "org.freedesktop.secrets"

// LoginCollection is gnome-keyring's login collection, the one go-keyring
// uses.
const LoginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")

// EnabledEnv is the variable that turns on the tests needing real daemons.
const EnabledEnv = "HOOKCTL_KEYRING_TEST"

// Enabled reports whether the real-daemon tests should run.
func Enabled() bool { return os.Getenv(EnabledEnv) == "1" }

// Require skips t unless the real-daemon tests are enabled, and fails it when
// they are but a tool is missing: scripts/test.sh installs them, so a
// missing one is a broken harness, not a reason to pass quietly.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	if !Enabled() {
		t.Skip("needs a real D-Bus and Secret Service: run scripts/test.sh, or scripts/with-keyring.sh go test ./pkg/credentials/")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s=1 but %s is not installed (scripts/test.sh installs it)", EnabledEnv, tool)
		}
	}
}

// Bus is a private session bus.
type Bus struct {
	Address string
}

// StartBus starts a dbus-daemon child with SessionConf and stops it when t
// ends.
func StartBus(t testing.TB) *Bus {
	t.Helper()
	dir := shortTempDir(t)
	conf := filepath.Join(dir, "session.conf")
	if err := os.WriteFile(conf, SessionConf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--nofork", "--config-file="+conf,
		"--address=unix:dir="+dir, "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { stop(cmd) })

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			t.Fatalf("dbus-daemon printed no address: %s", stderr.String())
		}
		return &Bus{Address: addr}
	case <-time.After(10 * time.Second):
		t.Fatalf("dbus-daemon printed no address within 10s: %s", stderr.String())
		return nil
	}
}

// Conn is a new private connection to the bus, closed when t ends.
func (b *Bus) Conn(t testing.TB, opts ...dbus.ConnOption) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(b.Address, opts...)
	if err != nil {
		t.Fatalf("connect to %s: %v", b.Address, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// HasOwner reports whether name is owned on the bus.
func (b *Bus) HasOwner(t testing.TB, conn *dbus.Conn, name string) bool {
	t.Helper()
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
		t.Fatalf("NameHasOwner: %v", err)
	}
	return has
}

// ClaimHungService owns name on the bus and never answers any call to it:
// the Secret Service that hangs. Calls block until t ends.
func (b *Bus) ClaimHungService(t testing.TB, name string) {
	t.Helper()
	done := make(chan struct{})
	conn := b.Conn(t, dbus.WithHandler(hungHandler{done}))
	t.Cleanup(func() { close(done) }) // runs before conn.Close: unblocks the calls first
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claim %s: reply %v, %v", name, reply, err)
	}
}

// hungHandler blocks every incoming method call; godbus runs each call in
// its own goroutine, so the caller simply never gets a reply.
type hungHandler struct{ done chan struct{} }

func (h hungHandler) LookupObject(dbus.ObjectPath) (dbus.ServerObject, bool) {
	<-h.done
	return nil, false
}

// Keyring is a gnome-keyring-daemon serving the Secret Service on a bus.
type Keyring struct {
	Bus *Bus
	// Env is the environment the daemon runs with (throwaway HOME and
	// XDG dirs, the bus address).
	Env []string
}

// StartGnomeKeyring starts gnome-keyring-daemon with the secrets component on
// bus, its login keyring created and unlocked with password, and waits until
// the login collection is served unlocked.
func StartGnomeKeyring(t testing.TB, bus *Bus, password string) *Keyring {
	t.Helper()
	dir := shortTempDir(t)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"DBUS_SESSION_BUS_ADDRESS=" + bus.Address,
	}
	for _, v := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"} {
		d := filepath.Join(dir, strings.ToLower(v))
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		env = append(env, v+"="+d)
	}
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = env
	cmd.Stdin = strings.NewReader(password) // --unlock reads the password until EOF
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gnome-keyring-daemon: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	conn := bus.Conn(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if bus.HasOwner(t, conn, SecretsName) && collectionUnlocked(conn, LoginCollection) {
			return &Keyring{Bus: bus, Env: env}
		}
		select {
		case <-exited:
			t.Fatalf("gnome-keyring-daemon exited: %s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gnome-keyring-daemon served no unlocked login collection within 10s: %s", log.String())
		}
		time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// collectionUnlocked reports whether path is a served, unlocked collection.
func collectionUnlocked(conn *dbus.Conn, path dbus.ObjectPath) bool {
	v, err := conn.Object(SecretsName, "/org/freedesktop/secrets").GetProperty("org.freedesktop.Secret.Service.Collections")
	if err != nil {
		return false
	}
	paths, _ := v.Value().([]dbus.ObjectPath)
	if !slices.Contains(paths, path) {
		return false
	}
	locked, err := conn.Object(SecretsName, path).GetProperty("org.freedesktop.Secret.Collection.Locked")
	return err == nil && locked.Value() == false
}

// Lock locks a collection, as the screen locker or `secret-tool lock` would.
func (k *Keyring) Lock(t testing.TB, path dbus.ObjectPath) {
	t.Helper()
	conn := k.Bus.Conn(t)
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err := conn.Object(SecretsName, "/org/freedesktop/secrets").
		Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{path}).Store(&locked, &prompt)
	if err != nil {
		t.Fatalf("lock %s: %v", path, err)
	}
	if !slices.Contains(locked, path) {
		t.Fatalf("lock %s: locked %v, prompt %s", path, locked, prompt)
	}
	if collectionUnlocked(conn, path) {
		t.Fatalf("%s still unlocked after Lock", path)
	}
}

// Locked reports whether the collection is locked.
func (k *Keyring) Locked(t testing.TB, path dbus.ObjectPath) bool {
	t.Helper()
	return !collectionUnlocked(k.Bus.Conn(t), path)
}

// shortTempDir is a temp dir with a short path: a unix socket path must fit
// in 108 bytes, and t.TempDir embeds the test name.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dbt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// stop kills a daemon started by this package and reaps it.
func stop(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// syncBuffer collects a daemon's output for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
