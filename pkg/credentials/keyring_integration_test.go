package credentials

// Tests of the Keyring backend against a real Secret Service: gnome-keyring
// on a private D-Bus session bus, set up by scripts/test.sh (or
// scripts/with-keyring.sh). Broken setups (no bus, a bus without a Secret
// Service, a Secret Service that never answers, a locked collection) get
// their own throwaway daemons from internal/testkit/dbustest and run the backend in a
// child process, because godbus keeps one session bus connection per process.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"github.com/hookctl/hookctl/internal/testkit/dbustest"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// requireSecretService skips unless the harness is on and returns a profile
// name no other run uses.
func requireSecretService(t *testing.T) string {
	t.Helper()
	dbustest.Require(t, "dbus-daemon", "gnome-keyring-daemon")
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("HOOKCTL_KEYRING_TEST=1 but DBUS_SESSION_BUS_ADDRESS is not set: run through scripts/with-keyring.sh")
	}
	return fmt.Sprintf("it-%d-%d", os.Getpid(), time.Now().UnixNano())
}

// rawEntry reads one entry with go-keyring directly, bypassing our backend,
// to check what the Secret Service really holds.
func rawEntry(t *testing.T, user string) (string, bool) {
	t.Helper()
	v, err := keyring.Get(Service, user)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("raw get %s: %v", user, err)
	}
	return v, true
}

func TestKeyringIntegrationRoundtrip(t *testing.T) {
	profile := requireSecretService(t)
	k := NewKeyring(0)
	key := Key(profile, "api-key")
	t.Cleanup(func() { k.Delete(key) })

	start := time.Now()
	if err := k.Set(key, "sk_test_1"); err != nil {
		t.Fatal(err)
	}
	setTook := time.Since(start)
	if v, ok := rawEntry(t, key); !ok || v != "sk_test_1" {
		t.Fatalf("Secret Service holds %q, %v under service %q user %q", v, ok, Service, key)
	}
	start = time.Now()
	v, err := k.Get(key)
	getTook := time.Since(start)
	if err != nil || v != "sk_test_1" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := k.Set(key, "sk_test_2"); err != nil {
		t.Fatal(err)
	}
	if v, err := k.Get(key); err != nil || v != "sk_test_2" {
		t.Fatalf("Get after overwrite = %q, %v", v, err)
	}
	if c, err := k.Chunked(key); c || err != nil {
		t.Fatalf("Chunked = %v, %v", c, err)
	}
	if err := k.Delete(key); err != nil {
		t.Fatal(err)
	}
	if _, ok := rawEntry(t, key); ok {
		t.Fatal("entry still in the Secret Service after Delete")
	}
	if _, err := k.Get(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	t.Logf("set %v, get %v", setTook, getTook)
}

func TestKeyringIntegrationChunked(t *testing.T) {
	profile := requireSecretService(t)
	k := NewKeyring(0)
	key := Key(profile, "rsa-key")
	t.Cleanup(func() { k.Delete(key) })

	v1 := pem(10<<10, "one")
	start := time.Now()
	if err := k.Set(key, v1); err != nil {
		t.Fatal(err)
	}
	setTook := time.Since(start)
	n := (len(v1) + ChunkSize - 1) / ChunkSize
	head, _ := rawEntry(t, key)
	if !strings.HasPrefix(head, fmt.Sprintf("hookctl-chunked:v1:a:%d:", n)) {
		t.Fatalf("manifest %q, want %d chunks in slot a", head, n)
	}
	for i := 1; i <= n; i++ {
		c, ok := rawEntry(t, chunkUser(key, "a", i))
		if !ok || len(c) > ChunkSize || len(c) == 0 {
			t.Fatalf("chunk %d: %d bytes, present %v", i, len(c), ok)
		}
	}
	start = time.Now()
	got, err := k.Get(key)
	getTook := time.Since(start)
	if err != nil || got != v1 {
		t.Fatalf("Get: %v, equal=%v", err, got == v1)
	}
	if c, err := k.Chunked(key); !c || err != nil {
		t.Fatalf("Chunked = %v, %v", c, err)
	}
	if note, ok := New(k, nil).Chunked(profile, "rsa-key"); !ok || !strings.Contains(note, fmt.Sprintf("%d chunks", n)) {
		t.Fatalf("Store.Chunked = %q, %v", note, ok)
	}

	// Overwrite: the new value goes to slot b, slot a is removed.
	v2 := pem(5000, "two")
	if err := k.Set(key, v2); err != nil {
		t.Fatal(err)
	}
	if got, err := k.Get(key); err != nil || got != v2 {
		t.Fatalf("Get after overwrite: %v, equal=%v", err, got == v2)
	}
	if _, ok := rawEntry(t, chunkUser(key, "a", 1)); ok {
		t.Fatal("old chunks left after overwrite")
	}

	if err := k.Delete(key); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{key, chunkUser(key, "a", 1), chunkUser(key, "b", 1), chunkUser(key, "b", 3)} {
		if _, ok := rawEntry(t, u); ok {
			t.Fatalf("%s left after Delete", u)
		}
	}
	t.Logf("%d-byte value in %d chunks: set %v, get %v", len(v1), n, setTook, getTook)
}

func TestKeyringIntegrationUnicode(t *testing.T) {
	profile := requireSecretService(t)
	k := NewKeyring(0)
	for _, c := range []struct{ name, value string }{
		{"webhook/wh_ü🌍", "whsec_ünïcødé 🔑 \n\t\"quoted\""},
		{"password", strings.Repeat("é🔑ü", 700)}, // chunked, runes straddling chunk edges
	} {
		key := Key(profile+"-ß", c.name)
		t.Cleanup(func() { k.Delete(key) })
		if err := k.Set(key, c.value); err != nil {
			t.Fatal(err)
		}
		if got, err := k.Get(key); err != nil || got != c.value {
			t.Fatalf("%s: Get = %.40q, %v", key, got, err)
		}
	}
}

func TestKeyringIntegrationNotFound(t *testing.T) {
	profile := requireSecretService(t)
	k := NewKeyring(0)
	key := Key(profile, "token")
	if _, err := k.Get(key); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
	if _, err := k.Chunked(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Chunked = %v, want ErrNotFound", err)
	}
	if err := k.Delete(key); err != nil {
		t.Fatalf("Delete of nothing: %v", err)
	}
	_, src, err := New(k, envOf(nil)).Lookup(profile, "token")
	if !errors.Is(err, ErrNotFound) || src != SourceNone {
		t.Fatalf("Lookup = %s, %v", src, err)
	}
}

// The webhook-secret flow end to end on the real keyring.
func TestKeyringIntegrationStoreCurrent(t *testing.T) {
	profile := requireSecretService(t)
	s, err := Open(OpenOptions{Getenv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.DeleteWebhookSecrets(profile, "wh_1") })
	now := time.Now()
	if err := s.StoreCurrent(profile, "wh_1", "s1", 0, now); err != nil {
		t.Fatal(err)
	}
	if err := s.StoreCurrent(profile, "wh_1", "s2", time.Hour, now); err != nil {
		t.Fatal(err)
	}
	ws, err := s.WebhookSecrets(profile, "wh_1")
	if err != nil || ws.Current == nil || ws.Current.Value != "s2" || ws.Previous == nil || ws.Previous.Value != "s1" {
		t.Fatalf("WebhookSecrets = %+v, %v", ws, err)
	}
}

// helperResult is what keyringHelper reports.
type helperResult struct {
	Elapsed     time.Duration `json:"elapsed"`
	Value       string        `json:"value"`
	Error       string        `json:"error"`
	Kind        string        `json:"kind"`
	Unavailable bool          `json:"unavailable"`
	NotFound    bool          `json:"not_found"`
}

// keyringHelper runs one keyring operation in a fresh process:
// HELPER_OP get|set|session-bus, HELPER_KEY, HELPER_VALUE, HELPER_TIMEOUT.
// session-bus calls godbus directly, without our guard, to show what the
// guard prevents.
func keyringHelper() int {
	timeout, _ := time.ParseDuration(os.Getenv("HELPER_TIMEOUT"))
	k := NewKeyring(timeout)
	key := os.Getenv("HELPER_KEY")
	var r helperResult
	var err error
	start := time.Now()
	switch op := os.Getenv("HELPER_OP"); op {
	case "get":
		r.Value, err = k.Get(key)
	case "set":
		err = k.Set(key, os.Getenv("HELPER_VALUE"))
	case "session-bus":
		var conn *dbus.Conn
		if conn, err = dbus.SessionBus(); err == nil {
			conn.Close()
		}
	default:
		err = fmt.Errorf("unknown op %q", op)
	}
	r.Elapsed = time.Since(start)
	if err != nil {
		r.Error = err.Error()
		r.Kind = webhook.KindOf(err).String()
		r.Unavailable = errors.Is(err, ErrKeyringUnavailable)
		r.NotFound = errors.Is(err, ErrNotFound)
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return 1
	}
	return 0
}

// runKeyringHelper runs keyringHelper in a child and returns its report and
// the wall time including process start.
func runKeyringHelper(t *testing.T, unset []string, set ...string) (helperResult, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := helperCmd(ctx, "keyring", unset, set...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, stderr.String())
	}
	var r helperResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	return r, wall
}

// assertHelperUnavailable checks a child's error is the keyring's
// storage_unavailable error (exit 1) naming the ways out.
func assertHelperUnavailable(t *testing.T, r helperResult, reason string) {
	t.Helper()
	if r.Kind != webhook.KindStorage.String() || !r.Unavailable {
		t.Fatalf("error %q: kind %q, unavailable %v; want storage_unavailable wrapping ErrKeyringUnavailable", r.Error, r.Kind, r.Unavailable)
	}
	for _, s := range []string{reason, "_API_KEY (credentials in the environment override the keyring)", "--insecure-storage", "HOOKCTL_STORAGE=file"} {
		if !strings.Contains(r.Error, s) {
			t.Errorf("error lacks %q:\n%s", s, r.Error)
		}
	}
}

func TestKeyringIntegrationNoBusAddress(t *testing.T) {
	profile := requireSecretService(t)
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skip("this machine has a systemd user bus, which godbus finds without DBUS_SESSION_BUS_ADDRESS")
	}
	key := Key(profile, "api-key")
	// A dbus-launch that leaves a mark shows whether anything tried to
	// start a bus; HOME shows whether anything wrote files.
	bin, home, marker := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "dbus-launch-ran")
	script := "#!/bin/sh\necho \"$@\" > " + marker + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	unset := []string{"DBUS_SESSION_BUS_ADDRESS"}
	env := []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + home, "XDG_RUNTIME_DIR=" + home}

	r, wall := runKeyringHelper(t, unset, append(env, "HELPER_OP=set", "HELPER_KEY="+key, "HELPER_VALUE=must-not-land")...)
	assertHelperUnavailable(t, r, "DBUS_SESSION_BUS_ADDRESS is not set")
	if r.Elapsed > 5*time.Second || wall > 8*time.Second { // "not hung": room for a loaded machine
		t.Errorf("failed after %v (%v with process start), want within 5s", r.Elapsed, wall)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("dbus-launch was run")
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("files written to HOME: %v", entries)
	}
	if _, ok := rawEntry(t, key); ok {
		t.Fatal("value written to the keyring")
	}
	t.Logf("no bus address: failed after %v (%v with process start):\n%s", r.Elapsed, wall, r.Error)

	// Control: the same environment without our guard makes godbus run
	// dbus-launch, which is what the guard exists to prevent.
	r, _ = runKeyringHelper(t, unset, append(env, "HELPER_OP=session-bus")...)
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("control: godbus did not run dbus-launch (%s); the guard test proves nothing", r.Error)
	}
}

func TestKeyringIntegrationBusWithoutSecretService(t *testing.T) {
	profile := requireSecretService(t)
	bus := dbustest.StartBus(t)
	r, wall := runKeyringHelper(t, nil, "DBUS_SESSION_BUS_ADDRESS="+bus.Address,
		"HELPER_OP=get", "HELPER_KEY="+Key(profile, "api-key"))
	assertHelperUnavailable(t, r, "no Secret Service (org.freedesktop.secrets)")
	if r.Elapsed > DefaultTimeout+2*time.Second { // bounded by the timeout, with room for load
		t.Errorf("failed after %v, want within 5s", r.Elapsed)
	}
	t.Logf("bus without Secret Service: failed after %v (%v with process start):\n%s", r.Elapsed, wall, r.Error)
}

func TestKeyringIntegrationHungSecretService(t *testing.T) {
	profile := requireSecretService(t)
	t.Parallel() // 3 s of waiting, overlapped with the other slow tests
	bus := dbustest.StartBus(t)
	bus.ClaimHungService(t, dbustest.SecretsName)
	r, wall := runKeyringHelper(t, nil, "DBUS_SESSION_BUS_ADDRESS="+bus.Address,
		"HELPER_OP=get", "HELPER_KEY="+Key(profile, "api-key")) // default timeout
	assertHelperUnavailable(t, r, "did not answer within 3s")
	if r.Elapsed < DefaultTimeout || r.Elapsed > DefaultTimeout+2*time.Second { // exact lower bound, "not hung" upper
		t.Errorf("failed after %v, want at the 3s timeout and within 5s", r.Elapsed)
	}
	t.Logf("hung Secret Service: failed after %v (%v with process start)", r.Elapsed, wall)
}

func TestKeyringIntegrationLockedCollection(t *testing.T) {
	profile := requireSecretService(t)
	// A keyring of its own: locking the shared one would break every other
	// test using it.
	kr := dbustest.StartGnomeKeyring(t, dbustest.StartBus(t), "locked-test")
	key := Key(profile, "api-key")

	r, _ := runKeyringHelper(t, nil, "DBUS_SESSION_BUS_ADDRESS="+kr.Bus.Address, "HELPER_OP=set", "HELPER_KEY="+key, "HELPER_VALUE=v")
	if r.Error != "" {
		t.Fatalf("control: set on the unlocked keyring failed: %s", r.Error)
	}
	kr.Lock(t, dbustest.LoginCollection)

	for _, op := range []string{"get", "set"} {
		r, wall := runKeyringHelper(t, nil, "DBUS_SESSION_BUS_ADDRESS="+kr.Bus.Address,
			"HELPER_OP="+op, "HELPER_KEY="+key, "HELPER_VALUE=v2")
		assertHelperUnavailable(t, r, "locked")
		if r.Elapsed > DefaultTimeout+2*time.Second { // bounded by the timeout, with room for load
			t.Errorf("%s failed after %v, want within 3.5s", op, r.Elapsed)
		}
		t.Logf("locked collection, %s: failed after %v (%v with process start):\n%s", op, r.Elapsed, wall, r.Error)
	}
	if !kr.Locked(t, dbustest.LoginCollection) {
		t.Fatal("the collection got unlocked")
	}
}

func TestKeyringIntegrationSecretDBWriteCostFlat(t *testing.T) {
	profile := requireSecretService(t)
	s, large := openIn(t, StorageKeyring, t.TempDir()), openIn(t, StorageKeyring, t.TempDir())
	t.Cleanup(func() { s.ForgetProfile(profile); large.ForgetProfile(profile) })
	assertFlatWriteCost(t, s, large, profile)
	loc, err := s.WebhookSecretsLocation()
	if err != nil || !strings.Contains(loc.DataKey, "the OS keyring") {
		t.Fatalf("location %+v, %v", loc, err)
	}
	// The data key is one keyring item; the secrets are not items.
	if _, ok := rawEntry(t, Key(profile, secretName("wh_0001"))); ok {
		t.Fatal("a webhook secret was stored as a keyring item")
	}
}

func TestKeyringIntegrationSecretDBMigrationSurvivesKills(t *testing.T) {
	profile := requireSecretService(t)
	dir := t.TempDir()
	// Batches of 4 so that 9 items (each costs tens of ms in gnome-keyring)
	// span three of them.
	want := seedOldLayout(t, NewKeyring(0), profile, 9)
	t.Cleanup(func() { openIn(t, StorageKeyring, dir).ForgetProfile(profile) })
	migrateWithKills(t, StorageKeyring, dir, profile, want, 2, 4)
}
