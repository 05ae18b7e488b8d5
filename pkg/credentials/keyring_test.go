package credentials

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// fakeKeyring is an in-memory go-keyring provider that records calls and can
// block, fail or slow down to play a broken Secret Service.
type fakeKeyring struct {
	mu      sync.Mutex
	m       map[string]string // "service\x00user" → value
	log     []string          // "set user", "get user", "del user"
	block   chan struct{}     // non-nil: every call waits for it to close
	delay   time.Duration     // every call takes this long
	err     error             // every call fails with it
	failSet func(user string) error
}

func newFakeKeyring() *fakeKeyring { return &fakeKeyring{m: map[string]string{}} }

func (f *fakeKeyring) enter(what, user string) error {
	f.mu.Lock()
	f.log = append(f.log, what+" "+user)
	block, delay, err := f.block, f.delay, f.err
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	time.Sleep(delay)
	return err
}

func (f *fakeKeyring) Get(service, user string) (string, error) {
	if err := f.enter("get", user); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(service, user, value string) error {
	if err := f.enter("set", user); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSet != nil {
		if err := f.failSet(user); err != nil {
			return err
		}
	}
	f.m[service+"\x00"+user] = value
	return nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	if err := f.enter("del", user); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := service + "\x00" + user
	if _, ok := f.m[k]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.m, k)
	return nil
}

// users lists the stored users of service hookctl, sorted.
func (f *fakeKeyring) users() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.m {
		svc, user, _ := strings.Cut(k, "\x00")
		if svc == Service {
			out = append(out, user)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fakeKeyring) raw(user string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[Service+"\x00"+user]
	return v, ok
}

func (f *fakeKeyring) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

func testKeyring(f *fakeKeyring, timeout time.Duration) *Keyring {
	return &Keyring{timeout: timeout, raw: f}
}

// pem is a PEM-like value of about n bytes.
func pem(n int, seed string) string {
	var b strings.Builder
	b.WriteString("-----BEGIN PRIVATE KEY-----\n")
	for i := 0; b.Len() < n-26; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprint(seed, i)))
		b.WriteString(hex.EncodeToString(sum[:])[:63] + "\n")
	}
	b.WriteString("-----END PRIVATE KEY-----\n")
	return b.String()
}

func TestKeyringSmallValueIsOneEntry(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	for _, v := range []string{"", "s3cret", strings.Repeat("x", ChunkSize)} {
		if err := k.Set("prod/api-key", v); err != nil {
			t.Fatal(err)
		}
		if got := f.users(); !slices.Equal(got, []string{"prod/api-key"}) {
			t.Fatalf("value of %d bytes stored as %v, want the key alone", len(v), got)
		}
		got, err := k.Get("prod/api-key")
		if err != nil || got != v {
			t.Fatalf("Get = %.20q, %v; want %.20q", got, err, v)
		}
		if c, err := k.Chunked("prod/api-key"); c || err != nil {
			t.Fatalf("Chunked = %v, %v; want false", c, err)
		}
	}
}

func TestKeyringChunksLargeValue(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	v := pem(10<<10, "a")
	if err := k.Set("prod/rsa-key", v); err != nil {
		t.Fatal(err)
	}
	n := (len(v) + ChunkSize - 1) / ChunkSize
	want := []string{"prod/rsa-key"}
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("prod/rsa-key#a%d", i))
	}
	slices.Sort(want)
	if got := f.users(); !slices.Equal(got, want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	for _, u := range want[1:] {
		if c, _ := f.raw(u); len(c) > ChunkSize {
			t.Errorf("%s is %d bytes, over ChunkSize", u, len(c))
		}
	}
	head, _ := f.raw("prod/rsa-key")
	sum := sha256.Sum256([]byte(v))
	if wantHead := fmt.Sprintf("hookctl-chunked:v1:a:%d:%s", n, hex.EncodeToString(sum[:])); head != wantHead {
		t.Fatalf("manifest %q, want %q", head, wantHead)
	}
	got, err := k.Get("prod/rsa-key")
	if err != nil || got != v {
		t.Fatalf("Get: %v, equal=%v", err, got == v)
	}
	if c, err := k.Chunked("prod/rsa-key"); !c || err != nil {
		t.Fatalf("Chunked = %v, %v; want true", c, err)
	}
	note, ok := New(k, nil).Chunked("prod", "rsa-key")
	if !ok || !strings.Contains(note, fmt.Sprintf("%d chunks", n)) {
		t.Fatalf("Store.Chunked = %q, %v", note, ok)
	}
}

func TestKeyringChunkBoundaries(t *testing.T) {
	for _, n := range []int{ChunkSize - 1, ChunkSize, ChunkSize + 1, 2 * ChunkSize, 2*ChunkSize + 1, MaxValueSize} {
		f := newFakeKeyring()
		k := testKeyring(f, time.Second)
		v := strings.Repeat("k", n)
		if err := k.Set("p/x", v); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		wantChunks := 0
		if n > ChunkSize {
			wantChunks = (n + ChunkSize - 1) / ChunkSize
		}
		if got := len(f.users()) - 1; got != wantChunks {
			t.Errorf("%d bytes: %d chunks, want %d", n, got, wantChunks)
		}
		if got, err := k.Get("p/x"); err != nil || got != v {
			t.Errorf("%d bytes: Get: %v, equal=%v", n, err, got == v)
		}
	}
}

func TestKeyringChunksSplitOnRuneBoundaries(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	v := "x" + strings.Repeat("é🔑ü", 2000) // 4-, 2-byte runes straddle every ChunkSize multiple
	if err := k.Set("prof-ü/webhook/wh_🌍", v); err != nil {
		t.Fatal(err)
	}
	users := f.users()
	if len(users) < 3 {
		t.Fatalf("value of %d bytes not chunked: %v", len(v), users)
	}
	for _, u := range users {
		c, _ := f.raw(u)
		if !utf8.ValidString(c) || len(c) > ChunkSize {
			t.Errorf("%s: %d bytes, valid UTF-8 %v", u, len(c), utf8.ValidString(c))
		}
	}
	if got, err := k.Get("prof-ü/webhook/wh_🌍"); err != nil || got != v {
		t.Fatalf("Get: %v, equal=%v", err, got == v)
	}
}

func TestKeyringValueLookingLikeManifest(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	v := "hookctl-chunked:v1:a:1:" + strings.Repeat("0", 64)
	if err := k.Set("p/x", v); err != nil {
		t.Fatal(err)
	}
	if got, err := k.Get("p/x"); err != nil || got != v {
		t.Fatalf("Get = %q, %v; want the value back verbatim", got, err)
	}
}

func TestKeyringRefusesHugeValue(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	err := k.Set("p/rsa-key", strings.Repeat("x", MaxValueSize+1))
	if !errors.Is(err, ErrValueTooLarge) || webhook.KindOf(err) != webhook.KindUsage {
		t.Fatalf("err = %v (kind %v), want ErrValueTooLarge usage error", err, webhook.KindOf(err))
	}
	if !strings.Contains(err.Error(), "65537 bytes") || !strings.Contains(err.Error(), "64 KiB") {
		t.Errorf("message does not say the size and the limit: %v", err)
	}
	if c := f.calls(); len(c) != 0 {
		t.Fatalf("keyring touched for a refused value: %v", c)
	}
}

func TestKeyringWritesChunksBeforeManifest(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	if err := k.Set("p/k", pem(5000, "a")); err != nil {
		t.Fatal(err)
	}
	var sets []string
	for _, c := range f.calls() {
		if strings.HasPrefix(c, "set ") {
			sets = append(sets, c)
		}
	}
	if want := []string{"set p/k#a1", "set p/k#a2", "set p/k#a3", "set p/k"}; !slices.Equal(sets, want) {
		t.Fatalf("writes %v, want %v", sets, want)
	}
}

func TestKeyringOverwriteAlternatesSlotsAndCleansUp(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	steps := []struct {
		v    string
		want []string
	}{
		{pem(7000, "1"), []string{"p/k", "p/k#a1", "p/k#a2", "p/k#a3", "p/k#a4"}},
		{pem(3000, "2"), []string{"p/k", "p/k#b1", "p/k#b2"}},
		{pem(9000, "3"), []string{"p/k", "p/k#a1", "p/k#a2", "p/k#a3", "p/k#a4", "p/k#a5"}},
		{"short", []string{"p/k"}},
		{pem(3000, "4"), []string{"p/k", "p/k#a1", "p/k#a2"}},
	}
	for i, s := range steps {
		if err := k.Set("p/k", s.v); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := f.users(); !slices.Equal(got, s.want) {
			t.Fatalf("step %d: entries %v, want %v", i, got, s.want)
		}
		if got, err := k.Get("p/k"); err != nil || got != s.v {
			t.Fatalf("step %d: Get: %v, equal=%v", i, err, got == s.v)
		}
	}
}

// A Set that dies part-way (crash, timeout) must leave the previous value
// readable: the manifest is only replaced once the new chunks are complete.
func TestKeyringInterruptedOverwriteKeepsOldValue(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	old := pem(7000, "old")
	if err := k.Set("p/k", old); err != nil {
		t.Fatal(err)
	}
	for _, failAt := range []string{"p/k#b1", "p/k#b3", "p/k"} {
		f.failSet = func(user string) error {
			if user == failAt {
				return errors.New("killed")
			}
			return nil
		}
		if err := k.Set("p/k", pem(9000, "new")); err == nil {
			t.Fatalf("fail at %s: Set succeeded", failAt)
		}
		f.failSet = nil
		if got, err := k.Get("p/k"); err != nil || got != old {
			t.Fatalf("fail at %s: old value lost: %v, equal=%v", failAt, err, got == old)
		}
	}
	// The orphaned chunks of slot b go with the next successful write.
	if err := k.Set("p/k", "small"); err != nil {
		t.Fatal(err)
	}
	if got := f.users(); !slices.Equal(got, []string{"p/k"}) {
		t.Fatalf("entries after recovery %v, want the key alone", got)
	}
}

func TestKeyringInterruptedFirstWriteLeavesNothingReadable(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	f.failSet = func(user string) error {
		if user == "p/k" {
			return errors.New("killed")
		}
		return nil
	}
	if err := k.Set("p/k", pem(5000, "x")); err == nil {
		t.Fatal("Set succeeded")
	}
	f.failSet = nil
	if _, err := k.Get("p/k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after interrupted first write: %v, want ErrNotFound", err)
	}
	if len(f.users()) == 0 {
		t.Fatal("test premise: the interrupted write left no orphan chunks")
	}
	// Delete finds orphans without a manifest.
	if err := k.Delete("p/k"); err != nil {
		t.Fatal(err)
	}
	if got := f.users(); len(got) != 0 {
		t.Fatalf("entries after Delete: %v", got)
	}
}

func TestKeyringDetectsCorruptChunks(t *testing.T) {
	for name, damage := range map[string]func(f *fakeKeyring){
		"tampered": func(f *fakeKeyring) { f.m[Service+"\x00p/k#a2"] = "evil" },
		"missing":  func(f *fakeKeyring) { delete(f.m, Service+"\x00p/k#a3") },
		"manifest": func(f *fakeKeyring) { f.m[Service+"\x00p/k"] = "hookctl-chunked:v9:whatever" },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeKeyring()
			k := testKeyring(f, time.Second)
			if err := k.Set("p/k", pem(7000, "x")); err != nil {
				t.Fatal(err)
			}
			damage(f)
			v, err := k.Get("p/k")
			if v != "" || err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "corrupt") {
				t.Fatalf("Get = %.30q, %v; want a corrupt-value error and no value", v, err)
			}
			// Storing again repairs it.
			if err := k.Set("p/k", "fresh"); err != nil {
				t.Fatal(err)
			}
			if got, err := k.Get("p/k"); err != nil || got != "fresh" {
				t.Fatalf("after repair: %q, %v", got, err)
			}
		})
	}
}

func TestKeyringDeleteAndNotFound(t *testing.T) {
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	if _, err := k.Get("p/none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get absent: %v, want ErrNotFound", err)
	}
	if _, err := k.Chunked("p/none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Chunked absent: %v, want ErrNotFound", err)
	}
	if err := k.Delete("p/none"); err != nil {
		t.Fatalf("Delete absent: %v", err)
	}
	if err := k.Set("p/k", pem(9000, "x")); err != nil {
		t.Fatal(err)
	}
	if err := k.Set("p/other", "keep"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete("p/k"); err != nil {
		t.Fatal(err)
	}
	if got := f.users(); !slices.Equal(got, []string{"p/other"}) {
		t.Fatalf("entries after Delete: %v", got)
	}
	if c := f.calls(); !slices.Contains(c, "del p/k") || slices.Index(c, "del p/k") > slices.Index(c, "del p/k#a1") {
		t.Fatalf("Delete must remove the manifest before the chunks: %v", c)
	}
}

func TestKeyringErrorsSayWhatToDo(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		reason string
	}{
		{"no service", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, "no Secret Service (org.freedesktop.secrets)"},
		{"no service ptr", dbus.NewError("org.freedesktop.DBus.Error.NameHasNoOwner", nil), "no Secret Service"},
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"), "locked"},
		{"is locked", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}, "locked"},
		{"bus gone", errors.New("dial unix /tmp/nope: connect: no such file or directory"), "D-Bus session bus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeKeyring()
			f.err = c.err
			k := testKeyring(f, time.Second)
			for _, call := range []func() error{
				func() error { _, err := k.Get("prod/api-key"); return err },
				func() error { return k.Set("prod/api-key", "v") },
				func() error { return k.Delete("prod/api-key") },
			} {
				err := call()
				assertUnavailable(t, err, "HOOKCTL_PROD_API_KEY")
				if !strings.Contains(err.Error(), c.reason) {
					t.Errorf("%v\nlacks %q", err, c.reason)
				}
			}
		})
	}
}

// assertUnavailable checks a keyring operation's error: the store's
// problem (KindStorage, exit 1, not the credentials' exit 4), naming the
// ways out; envVar "" when the environment is none (not a login credential).
func assertUnavailable(t *testing.T, err error, envVar string) {
	t.Helper()
	var we *webhook.Error
	if !errors.As(err, &we) || we.Kind != webhook.KindStorage || we.Kind.ExitCode() != 1 {
		t.Fatalf("err %T %v: want a *webhook.Error of KindStorage (exit 1)", err, err)
	}
	if !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("err %v does not wrap ErrKeyringUnavailable", err)
	}
	for _, s := range []string{envVar, "--insecure-storage", "HOOKCTL_STORAGE=file"} {
		if s != "" && !strings.Contains(err.Error(), s) {
			t.Errorf("message does not name %s:\n%v", s, err)
		}
	}
}

func TestKeyringHintForNamesWithoutEnvVar(t *testing.T) {
	f := newFakeKeyring()
	f.err = dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown"}
	k := testKeyring(f, time.Second)
	for _, key := range []string{"prod/webhook/wh_1", "data-key/0123456789abcdef", "prod/" + ProbeName} {
		_, err := k.Get(key)
		assertUnavailable(t, err, "")
		// Login credentials in the environment do not
		// keep a webhook secret; the hint offered all eight variables.
		if strings.Contains(err.Error(), "HOOKCTL_PROD_") || strings.Contains(err.Error(), "HOOKCTL_<PROFILE>") {
			t.Errorf("%s: a webhook secret cannot come from env, but the hint names env variables:\n%v", key, err)
		}
		if !strings.Contains(err.Error(), "never read from the environment") {
			t.Errorf("%s: the hint does not say why the environment is no way out:\n%v", key, err)
		}
	}
	if err := k.Set("prod/"+ProbeName, "ok"); !strings.HasPrefix(err.Error(), "cannot write to the OS keyring: ") {
		t.Errorf("the probe's key shows: %v", err)
	}
}

// A Secret Service that never answers fails each operation at the timeout.
func TestKeyringTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 150 * time.Millisecond
	ops := map[string]func(k *Keyring) error{
		"get":     func(k *Keyring) error { _, err := k.Get("prod/api-key"); return err },
		"set":     func(k *Keyring) error { return k.Set("prod/api-key", "v") },
		"set big": func(k *Keyring) error { return k.Set("prod/api-key", pem(9000, "x")) },
		"delete":  func(k *Keyring) error { return k.Delete("prod/api-key") },
		"chunked": func(k *Keyring) error { _, err := k.Chunked("prod/api-key"); return err },
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakeKeyring()
			f.block = make(chan struct{})
			t.Cleanup(func() { close(f.block) })
			start := time.Now()
			err := op(testKeyring(f, timeout))
			elapsed := time.Since(start)
			assertUnavailable(t, err, "HOOKCTL_PROD_API_KEY")
			if !strings.Contains(err.Error(), "did not answer within 150ms") {
				t.Errorf("message does not say it timed out: %v", err)
			}
			// The lower bound is exact; the upper one only says "bounded,
			// not hung", with room for a loaded 2-core CI machine.
			if elapsed < timeout || elapsed > timeout+2*time.Second {
				t.Errorf("failed after %v, want just over %v", elapsed, timeout)
			}
		})
	}
}

// The timeout bounds a whole operation, not each of its keyring calls: a
// chunked value of many slow entries still fails on time.
func TestKeyringTimeoutSpansChunks(t *testing.T) {
	t.Parallel()
	f := newFakeKeyring()
	k := testKeyring(f, time.Second)
	if err := k.Set("p/k", pem(12000, "x")); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.delay = 60 * time.Millisecond // each call alone is well within the timeout
	f.mu.Unlock()
	k.timeout = 200 * time.Millisecond
	start := time.Now()
	_, err := k.Get("p/k") // 1 + 6 calls = 420ms without a shared deadline
	elapsed := time.Since(start)
	assertUnavailable(t, err, "")        // p/k is no login credential: env is no way out
	if elapsed > 2200*time.Millisecond { // bounded by the timeout, with room for a loaded machine
		t.Fatalf("Get took %v, want about the 200ms timeout", elapsed)
	}
}

// The real default: a hung keyring fails after DefaultTimeout, well within
// 3.2 s.
func TestKeyringDefaultTimeout(t *testing.T) {
	t.Parallel()
	f := newFakeKeyring()
	f.block = make(chan struct{})
	t.Cleanup(func() { close(f.block) })
	k := NewKeyring(0)
	k.raw, k.busCheck = f, nil
	if k.Timeout() != DefaultTimeout || DefaultTimeout != 3*time.Second {
		t.Fatalf("timeout %v, DefaultTimeout %v; want 3s", k.Timeout(), DefaultTimeout)
	}
	start := time.Now()
	_, err := k.Get("prod/token")
	elapsed := time.Since(start)
	assertUnavailable(t, err, "HOOKCTL_PROD_TOKEN")
	if !strings.Contains(err.Error(), "within 3s") {
		t.Errorf("message: %v", err)
	}
	if elapsed < DefaultTimeout || elapsed > DefaultTimeout+2*time.Second { // exact lower bound; "not hung" upper one
		t.Fatalf("failed after %v, want between 3s and 5s", elapsed)
	}
	t.Logf("hung keyring failed after %v", elapsed)
}

// Without a session bus the backend fails at once and never reaches godbus,
// which would run dbus-launch and start a bus daemon.
func TestKeyringNoSessionBus(t *testing.T) {
	if !usesSecretService() {
		t.Skip("no D-Bus on this platform")
	}
	busFile := fmt.Sprintf("/run/user/%d/bus", os.Getuid())
	if _, err := os.Stat(busFile); err == nil {
		t.Skipf("%s exists: godbus would use that bus", busFile)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	f := newFakeKeyring()
	k := NewKeyring(time.Second)
	k.raw = f
	start := time.Now()
	err := k.Set("prod/api-key", "v")
	assertUnavailable(t, err, "HOOKCTL_PROD_API_KEY")
	if !strings.Contains(err.Error(), "DBUS_SESSION_BUS_ADDRESS is not set") {
		t.Errorf("message does not say why: %v", err)
	}
	// Immediate: far below the 3 s timeout a bus attempt would cost.
	if time.Since(start) > time.Second {
		t.Errorf("took %v, want immediate", time.Since(start))
	}
	if c := f.calls(); len(c) != 0 {
		t.Fatalf("keyring called without a bus: %v", c)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "autolaunch:")
	if _, err := k.Get("prod/api-key"); !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("autolaunch: address: %v, want ErrKeyringUnavailable", err)
	}
}
