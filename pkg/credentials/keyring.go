package credentials

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// ChunkSize is the largest value stored as one keyring entry. Windows caps a
// credential blob at 2560 bytes and go-keyring's macOS path base64-encodes the
// value into a 4096-byte command line, so 2048 bytes fits every platform with
// room for the service and user names. Larger values are split.
const ChunkSize = 2048

// MaxValueSize is the largest value the keyring backend accepts. Secrets are
// keys, tokens and PEM blocks; anything bigger is a mistake (a whole file
// passed by accident) and would cost dozens of keyring round trips.
const MaxValueSize = 64 << 10

// maxChunks bounds the probing for leftover chunks; the rune-boundary split
// can make a few more chunks than MaxValueSize/ChunkSize.
const maxChunks = MaxValueSize/(ChunkSize-utf8.UTFMax) + 2

// manifestPrefix starts the value stored under the key of a chunked value:
// "hookctl-chunked:v1:<slot>:<n>:<sha256 hex>". The chunks live in entries
// "<key>#<slot><i>", i = 1..n. Two slots (a, b) alternate so an overwrite
// writes a complete new set of chunks before the manifest switches to it:
// a crash at any point leaves either the old value or the new one readable,
// never a manifest pointing at missing or half-rewritten chunks.
const manifestPrefix = "hookctl-chunked:"

// ErrKeyringUnavailable is wrapped by every error that means the OS keyring
// could not be used at all (no session bus, no Secret Service, locked
// collection, no answer in time), as opposed to a missing entry.
var ErrKeyringUnavailable = errors.New("OS keyring unavailable")

// ErrValueTooLarge is wrapped by the error for a value over MaxValueSize.
var ErrValueTooLarge = fmt.Errorf("over the %d KiB limit of the OS keyring", MaxValueSize>>10)

// rawKeyring is the slice of go-keyring the backend uses; tests swap in fakes.
type rawKeyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// systemKeyring is go-keyring's platform provider.
type systemKeyring struct{}

func (systemKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (systemKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (systemKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// Keyring is the Backend over the OS keyring (Secret Service on Linux and the
// BSDs, Keychain on macOS, Credential Manager on Windows), service Service,
// user = key. Each operation, however many entries it touches, finishes within
// the timeout: a Secret Service that never answers must fail a CI job fast,
// not hang it. go-keyring cannot be cancelled, so a call that timed out may
// still complete in the background; the hash in a chunk manifest turns such
// a late write landing amid a newer one into a reported error, never a
// wrong value.
type Keyring struct {
	timeout time.Duration
	raw     rawKeyring
	// busCheck fails fast when the session bus cannot be found; nil on
	// platforms without D-Bus.
	busCheck func() error
}

// NewKeyring returns the OS keyring backend. timeout <= 0 means
// DefaultTimeout.
func NewKeyring(timeout time.Duration) *Keyring {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	k := &Keyring{timeout: timeout, raw: systemKeyring{}}
	if usesSecretService() {
		k.busCheck = checkSessionBus
	}
	return k
}

// Timeout is the bound on each operation.
func (k *Keyring) Timeout() time.Duration { return k.timeout }

// Source reports SourceKeyring.
func (k *Keyring) Source() Source { return SourceKeyring }

// Get reads a value, reassembling and verifying chunks.
func (k *Keyring) Get(key string) (string, error) {
	o, err := k.begin(key, "read")
	if err != nil {
		return "", err
	}
	head, err := o.get(key)
	if err != nil {
		return "", err
	}
	m, chunked, err := parseManifest(key, head)
	if err != nil {
		return "", err
	}
	if !chunked {
		return head, nil
	}
	var b strings.Builder
	for i := 1; i <= m.n; i++ {
		c, err := o.get(chunkUser(key, m.slot, i))
		if errors.Is(err, ErrNotFound) {
			return "", corrupt(key, fmt.Sprintf("chunk %d of %d is missing", i, m.n))
		}
		if err != nil {
			return "", err
		}
		b.WriteString(c)
	}
	v := b.String()
	if sum := sha256.Sum256([]byte(v)); hex.EncodeToString(sum[:]) != m.sum {
		return "", corrupt(key, "the chunks do not match the stored SHA-256")
	}
	return v, nil
}

// Set stores a value. Values over ChunkSize are split into chunks written
// before the manifest that points at them; values over MaxValueSize are
// refused before anything is written.
func (k *Keyring) Set(key, value string) error {
	if len(value) > MaxValueSize {
		e := webhook.Invalid("cannot store %s: the value is %d bytes", key, len(value))
		e.Err = ErrValueTooLarge
		return e.WithHint("secrets are keys, tokens or PEM blocks; check that the right file or variable was given")
	}
	o, err := k.begin(key, "store")
	if err != nil {
		return err
	}
	oldSlot := ""
	if head, err := o.get(key); err == nil {
		// A corrupt old manifest must not block replacing it.
		if m, chunked, perr := parseManifest(key, head); chunked && perr == nil {
			oldSlot = m.slot
		}
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}

	// A small value that looks like a manifest is stored chunked so Get can
	// never mistake it for one.
	if len(value) <= ChunkSize && !strings.HasPrefix(value, manifestPrefix) {
		if err := o.set(key, value); err != nil {
			return err
		}
		// Leftover chunks are garbage now; failing to remove them does not
		// make the write fail, and the next Set or Delete retries.
		_ = o.deleteChunks(key, "a", 1)
		_ = o.deleteChunks(key, "b", 1)
		return nil
	}

	slot := "a"
	if oldSlot == "a" {
		slot = "b"
	}
	chunks := split(value, ChunkSize)
	for i, c := range chunks {
		if err := o.set(chunkUser(key, slot, i+1), c); err != nil {
			return err
		}
	}
	sum := sha256.Sum256([]byte(value))
	if err := o.set(key, fmt.Sprintf("%sv1:%s:%d:%s", manifestPrefix, slot, len(chunks), hex.EncodeToString(sum[:]))); err != nil {
		return err
	}
	_ = o.deleteChunks(key, otherSlot(slot), 1)
	_ = o.deleteChunks(key, slot, len(chunks)+1)
	return nil
}

// Delete removes a value and all its chunks; nil when already absent. The
// manifest goes first so no reader ever sees it without its chunks; chunk
// slots are probed rather than read from the manifest so chunks orphaned by
// an interrupted Set are removed too.
func (k *Keyring) Delete(key string) error {
	o, err := k.begin(key, "delete")
	if err != nil {
		return err
	}
	if err := o.delete(key); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := o.deleteChunks(key, "a", 1); err != nil {
		return err
	}
	return o.deleteChunks(key, "b", 1)
}

// Chunked says whether the value under key is stored in chunks (for `auth
// status`). It returns ErrNotFound (wrapped) when there is no value.
func (k *Keyring) Chunked(key string) (bool, error) {
	n, err := k.chunkCount(key)
	return n > 0, err
}

// chunkCount is the number of chunks of key's value, 0 when stored whole.
func (k *Keyring) chunkCount(key string) (int, error) {
	o, err := k.begin(key, "read")
	if err != nil {
		return 0, err
	}
	head, err := o.get(key)
	if err != nil {
		return 0, err
	}
	m, chunked, err := parseManifest(key, head)
	if err != nil || !chunked {
		return 0, err
	}
	return m.n, nil
}

// op is one backend operation: every raw call it makes shares one deadline.
type op struct {
	k        *Keyring
	key      string // the caller's key, for messages
	verb     string
	deadline time.Time
}

func (k *Keyring) begin(key, verb string) (*op, error) {
	if k.busCheck != nil {
		if err := k.busCheck(); err != nil {
			return nil, unavailable(key, verb, err.Error(), nil)
		}
	}
	return &op{k: k, key: key, verb: verb, deadline: time.Now().Add(k.timeout)}, nil
}

// call runs fn in a goroutine and gives up at the deadline. The goroutine may
// outlive the call (go-keyring has no cancellation); a CLI exits soon after.
func (o *op) call(fn func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	left := time.Until(o.deadline)
	if left <= 0 {
		return "", o.timeout()
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.v, o.classify(r.err)
	case <-t.C:
		return "", o.timeout()
	}
}

func (o *op) get(user string) (string, error) {
	return o.call(func() (string, error) { return o.k.raw.Get(Service, user) })
}

func (o *op) set(user, value string) error {
	_, err := o.call(func() (string, error) { return "", o.k.raw.Set(Service, user, value) })
	return err
}

func (o *op) delete(user string) error {
	_, err := o.call(func() (string, error) { return "", o.k.raw.Delete(Service, user) })
	return err
}

// deleteChunks removes chunks from..n of a slot, stopping at the first
// absent one: chunks are always written 1..n, so there is no gap to skip.
func (o *op) deleteChunks(key, slot string, from int) error {
	for i := from; i <= maxChunks; i++ {
		err := o.delete(chunkUser(key, slot, i))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (o *op) timeout() error {
	return unavailable(o.key, o.verb, fmt.Sprintf("%s did not answer within %s", keyringName(), o.k.timeout), nil)
}

// classify turns a go-keyring error into ours: ErrNotFound, or an
// ErrKeyringUnavailable error saying what is wrong and what to do.
func (o *op) classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%s: %w", o.key, ErrNotFound)
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		// Chunking keeps every entry under the platform limits; reaching
		// this means a platform limit we do not know about.
		return fmt.Errorf("cannot %s %s: the OS keyring refused an entry as too big: %w", o.verb, o.key, err)
	}
	if name := dbusErrorName(err); name != "" {
		switch name {
		case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
			return unavailable(o.key, o.verb, "no Secret Service (org.freedesktop.secrets) on the D-Bus session bus", err)
		case "org.freedesktop.Secret.Error.IsLocked":
			return unavailable(o.key, o.verb, "the keyring collection is locked", err)
		}
		return unavailable(o.key, o.verb, "the Secret Service failed", err)
	}
	if strings.Contains(err.Error(), "failed to unlock") {
		// go-keyring's message when the unlock prompt was dismissed or
		// could not be shown (no prompter without a desktop session).
		return unavailable(o.key, o.verb, "the keyring collection is locked and could not be unlocked (no unlock prompt without a desktop session)", err)
	}
	if usesSecretService() {
		return unavailable(o.key, o.verb, "cannot talk to the Secret Service over the D-Bus session bus", err)
	}
	return unavailable(o.key, o.verb, "the OS keyring failed", err)
}

// dbusErrorName is the D-Bus error name in err, "" when err is not a D-Bus
// error reply. godbus returns dbus.Error by value from calls but *dbus.Error
// from NewError, so both are checked.
func dbusErrorName(err error) string {
	var v dbus.Error
	if errors.As(err, &v) {
		return v.Name
	}
	var p *dbus.Error
	if errors.As(err, &p) && p != nil {
		return p.Name
	}
	return ""
}

// unavailable builds the error for a keyring that cannot be used: the
// store's problem (KindStorage, exit 1), which Store.Lookup turns into
// KindAuth (exit 4) for a login credential it cannot read.
func unavailable(key, verb, reason string, cause error) error {
	var err error
	if cause != nil {
		err = fmt.Errorf("%w: %s: %w", ErrKeyringUnavailable, reason, cause)
	} else {
		err = fmt.Errorf("%w: %s", ErrKeyringUnavailable, reason)
	}
	msg := fmt.Sprintf("cannot %s %s", verb, key)
	if _, name, _ := strings.Cut(key, "/"); name == ProbeName {
		// The probe's key means nothing to a user.
		msg = "cannot write to the OS keyring"
		if verb == "read" {
			msg = "cannot read from the OS keyring"
		}
	}
	return &webhook.Error{
		Kind: webhook.KindStorage,
		Msg:  msg,
		Err:  err,
		Hint: unavailableHint(key),
	}
}

// unavailableHint names the ways to run without a keyring. Only a login
// credential can come from the environment: webhook secrets, the data key
// that seals them and hookctl's own entries need a store, so for those
// the environment is no way out and is not offered as one.
func unavailableHint(key string) string {
	var b strings.Builder
	profile, name, _ := strings.Cut(key, "/")
	if v := ProfileEnvVar(profile, name); v != "" {
		b.WriteString("To run without the OS keyring:\n")
		fmt.Fprintf(&b, "  - set %s (credentials in the environment override the keyring), or\n", v)
	} else {
		b.WriteString("Webhook secrets and hookctl's own entries are kept in a store, never read from the environment; without the OS keyring:\n")
	}
	b.WriteString("  - store secrets in a plain 0600 file instead: --insecure-storage or HOOKCTL_STORAGE=file, or\n")
	switch runtime.GOOS {
	case "darwin":
		b.WriteString("  - unlock the login keychain.")
	case "windows":
		b.WriteString("  - check that Windows Credential Manager is available to this user.")
	default:
		b.WriteString("  - start and unlock a Secret Service (e.g. gnome-keyring-daemon) on the D-Bus session bus.")
	}
	return b.String()
}

func corrupt(key, why string) error {
	return webhook.Errorf(webhook.KindAuth, "the stored value of %s is corrupt: %s", key, why).
		WithHint("store it again (e.g. `hookctl auth login`) or delete it")
}

type manifest struct {
	slot string
	n    int
	sum  string
}

// parseManifest reports whether head is a chunk manifest and parses it.
func parseManifest(key, head string) (manifest, bool, error) {
	rest, ok := strings.CutPrefix(head, manifestPrefix)
	if !ok {
		return manifest{}, false, nil
	}
	f := strings.Split(rest, ":")
	if len(f) != 4 || f[0] != "v1" {
		return manifest{}, true, corrupt(key, "unknown chunk manifest format (written by a newer hookctl?)")
	}
	n, err := strconv.Atoi(f[2])
	if (f[1] != "a" && f[1] != "b") || err != nil || n < 1 || n > maxChunks || len(f[3]) != sha256.Size*2 {
		return manifest{}, true, corrupt(key, "malformed chunk manifest")
	}
	return manifest{slot: f[1], n: n, sum: f[3]}, true, nil
}

func chunkUser(key, slot string, i int) string { return key + "#" + slot + strconv.Itoa(i) }

func otherSlot(s string) string {
	if s == "a" {
		return "b"
	}
	return "a"
}

// split cuts v into pieces of at most size bytes, on UTF-8 boundaries so
// each piece is valid text for keyrings that store text.
func split(v string, size int) []string {
	var out []string
	for len(v) > size {
		end := size
		for end > size-utf8.UTFMax && !utf8.RuneStart(v[end]) {
			end--
		}
		out = append(out, v[:end])
		v = v[end:]
	}
	return append(out, v)
}

// keyringName names the platform's keyring in messages.
func keyringName() string {
	switch runtime.GOOS {
	case "darwin":
		return "the macOS Keychain"
	case "windows":
		return "Windows Credential Manager"
	}
	return "the Secret Service"
}

// usesSecretService reports whether go-keyring talks D-Bus on this platform.
func usesSecretService() bool {
	return runtime.GOOS != "darwin" && runtime.GOOS != "windows"
}

// checkSessionBus fails when godbus would find no session bus. godbus then
// runs dbus-launch, which starts a new bus daemon (and, with dbus-x11, wants
// an X display): a CLI must not spawn daemons behind the user's back, so we
// check the same places godbus looks and stop first.
func checkSessionBus() error {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return nil
	}
	dir := fmt.Sprintf("/run/user/%d", os.Getuid())
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(dir + "/" + f); err == nil {
			return nil
		}
	}
	return fmt.Errorf("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and there is no %s/bus), so no Secret Service", dir)
}
