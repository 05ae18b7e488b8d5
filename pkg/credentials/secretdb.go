package credentials

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/hookctl/hookctl/internal/base/boltformat"
	"github.com/hookctl/hookctl/internal/base/fsafe"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// The secret db keeps webhook secrets (current / previous / pending) in one
// bbolt file in the state dir, each registration's set sealed with
// AES-256-GCM under a per-installation data key. The keyring backend made a
// Secret Service item per registration (gnome-keyring slows down with every
// item) and the file backend rewrote the whole JSON file per write; a bbolt
// commit touches a few pages whatever the count, so storing the 1,000th
// secret costs what storing the first does. The data key is one entry of the
// backend ("data-key/<db id>": one keyring item, or one line of the 0600
// credentials file in file mode), the way browsers keep saved passwords on
// disk under a key in the OS keychain.
//
// The db is opened when an operation needs it and closed when the last
// operation in flight ends: bbolt holds an exclusive flock while open, and
// other hookctl processes (other profiles, `secrets list` during a rotation)
// must get their turn. Goroutines of one process share the open handle and
// bbolt serialises their write transactions. Every write is one transaction
// committed (fsync) before the call returns, which the rotation journal's
// crash guarantees rely on.

// DBLockWait bounds the wait for another process holding the secret db.
const DBLockWait = 10 * time.Second

const dbFormat = "hookctl secrets-db 1"

var (
	dbBucketMeta     = []byte("meta")
	dbBucketProfiles = []byte("profiles") // profile → (registration id → sealed WebhookSecrets JSON)
	dbKeyFormat      = []byte("format")
	dbKeyID          = []byte("key-id") // names the data key entry of this db
)

// dataKeyProfile is the "profile" part of the data key entry's key.
const dataKeyProfile = "data-key"

// sealVersion starts every sealed value: version ‖ nonce ‖ ciphertext.
const sealVersion = 1

// secretDB is the shared state of one db file within a process.
type secretDB struct {
	stateDir func() (string, error)
	wait     time.Duration

	mu    sync.Mutex // guards path, db, users, aead, keyID
	path  string     // resolved on first use
	db    *bbolt.DB
	users int
	aead  cipher.AEAD
	keyID string

	// commits counts write transactions committed (each one fsync), for
	// tests that hold a stored secret to one commit and a read to none.
	commits atomic.Int64

	// Group commit (see commit): writes that arrive while a commit is
	// under way go into the next one together.
	qmu     sync.Mutex
	queue   []*pendingWrite
	leading bool
	// beforeCommit, when set (tests), runs before each group commit with
	// the number of writes in it.
	beforeCommit func(n int)

	// legacyAbsent remembers registrations found to have no old-layout
	// entry (see legacyGet), so the keyring is asked once per process.
	legacyMu     sync.Mutex
	legacyAbsent map[string]bool

	migMu    sync.Mutex
	migrated map[string]bool // profiles whose old entries were moved in this process
	// afterMigrateStep, when set (tests), runs after each durable step of a
	// migration: a test kills the process there.
	afterMigrateStep func(step string)
}

// update runs fn in one write transaction of db (one commit, one fsync).
func (d *secretDB) update(db *bbolt.DB, fn func(*bbolt.Tx) error) error {
	err := db.Update(fn)
	d.commits.Add(1)
	return err
}

// pendingWrite is one caller's change waiting for a group commit; done
// gets its outcome, or the lead (see commit).
type pendingWrite struct {
	fn   func(*bbolt.Tx) error
	done chan writeOutcome
}

type writeOutcome struct {
	err  error
	lead bool // not an outcome: this writer now leads the next commit
}

// commit runs fn in a write transaction shared with the writes of other
// goroutines that arrive meanwhile, and returns once that transaction is
// committed (durable) or failed. bbolt flushes twice per commit whatever
// it holds, so 32 rotations in flight pay for a few commits instead of 32
// in a row. The first writer to find no commit under way leads: it
// commits everything queued (its own write included), then hands the lead
// to the first writer that queued up meanwhile and returns, so no caller
// waits on commits of others' writes after its own is durable. There is
// no waiting for company: a lone writer commits at once.
//
// fn must change nothing when it returns an error (every caller's write
// is its last step): its error is its own, and the others' writes in the
// same transaction still commit. A failed commit fails every write in it.
func (d *secretDB) commit(db *bbolt.DB, fn func(*bbolt.Tx) error) error {
	w := &pendingWrite{fn: fn, done: make(chan writeOutcome, 1)}
	d.qmu.Lock()
	d.queue = append(d.queue, w)
	if d.leading {
		d.qmu.Unlock()
		o := <-w.done
		if !o.lead {
			return o.err
		}
		d.qmu.Lock() // handed the lead: w is still queued
	} else {
		d.leading = true
	}
	batch := d.queue
	d.queue = nil
	d.qmu.Unlock()
	d.commitBatch(db, batch)
	d.qmu.Lock()
	if len(d.queue) > 0 {
		d.queue[0].done <- writeOutcome{lead: true}
	} else {
		d.leading = false
	}
	d.qmu.Unlock()
	return (<-w.done).err
}

func (d *secretDB) commitBatch(db *bbolt.DB, batch []*pendingWrite) {
	if d.beforeCommit != nil {
		d.beforeCommit(len(batch))
	}
	errs := make([]error, len(batch))
	err := d.update(db, func(tx *bbolt.Tx) error {
		for i, w := range batch {
			errs[i] = w.fn(tx)
		}
		return nil
	})
	for i, w := range batch {
		if err != nil {
			errs[i] = err
		}
		w.done <- writeOutcome{err: errs[i]}
	}
}

// queued is the number of writes waiting for the next group commit.
func (d *secretDB) queued() int {
	d.qmu.Lock()
	defer d.qmu.Unlock()
	return len(d.queue)
}

// SecretDBPath is where the secret db lives in a state dir.
func SecretDBPath(stateDir string) string { return filepath.Join(stateDir, "secrets.db") }

// openPrivateDB is bbolt.Options.OpenFile: no symbolic link, and only a
// regular file of this user that no one else may read or write.
func openPrivateDB(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := fsafe.OpenFile(path, flag, perm)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil {
		switch {
		case !st.Mode().IsRegular():
			err = fmt.Errorf("%s is not a regular file", path)
		case st.Mode().Perm()&0o077 != 0:
			err = fmt.Errorf("%s: permissions %v are too open (want 0600)", path, st.Mode().Perm())
		default:
			err = fsafe.CheckFile(path)
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// acquire opens the db (or shares the open handle) and makes sure its data
// key is loaded; release must follow.
func (s *Store) acquire() (*bbolt.DB, cipher.AEAD, error) {
	d := s.sdb
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.resolve(); err != nil {
		return nil, nil, err
	}
	if d.db == nil {
		dir := filepath.Dir(d.path)
		if err := fsafe.CheckDir(dir, true); err != nil {
			return nil, nil, fmt.Errorf("secret db: %w", err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("secret db: %w", err)
		}
		db, err := bbolt.Open(d.path, 0o600, &bbolt.Options{Timeout: d.wait, OpenFile: openPrivateDB})
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, nil, fmt.Errorf("secret db %s: still locked by another hookctl process after %s", d.path, d.wait)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("secret db %s: %w", d.path, err)
		}
		d.db = db
		// Read the key id (and the key) on every open: between two opens
		// another process may have made the db anew.
		if err := s.loadDataKey(); err != nil {
			d.closeIdle()
			return nil, nil, err
		}
	}
	d.users++
	return d.db, d.aead, nil
}

// resolve finds the db's path once. d.mu is held.
func (d *secretDB) resolve() error {
	if d.path != "" {
		return nil
	}
	dir, err := d.stateDir()
	if err != nil {
		return fmt.Errorf("secret db: %w", err)
	}
	d.path = SecretDBPath(dir)
	return nil
}

// release ends one operation; the last one closes the db, releasing the lock.
func (s *Store) release() {
	d := s.sdb
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users--
	d.closeIdle()
}

func (d *secretDB) closeIdle() {
	if d.users == 0 && d.db != nil {
		_ = d.db.Close()
		d.db = nil
	}
}

// loadDataKey reads the db's key id (creating the db's layout and id when
// new) and the data key it names, creating the key only when the db holds
// no sealed value. d.mu is held, and the db is open (its flock held), so no
// other process creates a key at the same time.
//
// The id is read in a read-only transaction; only a db without its layout
// or id gets the update transaction, whose commit writes a meta page and
// syncs twice even when it changes nothing: every read of a secret
// (verify --id, get --show-secret) paid 1-2 ms and more for it.
func (s *Store) loadDataKey() error {
	d := s.sdb
	var id string
	var sealed bool
	err := d.db.View(func(tx *bbolt.Tx) error {
		meta, err := boltformat.Read(tx, dbBucketMeta, dbKeyFormat, dbFormat, "secret db", d.path)
		if err != nil || meta == nil {
			return formatError(err)
		}
		profiles := tx.Bucket(dbBucketProfiles)
		if v := meta.Get(dbKeyID); v != nil && profiles != nil {
			id, sealed = string(v), hasSealed(profiles)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("secret db %s: %w", d.path, err)
	}
	if id == "" {
		err = d.update(d.db, func(tx *bbolt.Tx) error {
			meta, err := boltformat.Check(tx, dbBucketMeta, dbKeyFormat, dbFormat, "secret db", d.path)
			if err != nil {
				return formatError(err)
			}
			profiles, err := tx.CreateBucketIfNotExists(dbBucketProfiles)
			if err != nil {
				return err
			}
			if v := meta.Get(dbKeyID); v != nil {
				id = string(v)
			} else {
				b := make([]byte, 8)
				if _, err := rand.Read(b); err != nil {
					return err
				}
				id = hex.EncodeToString(b)
				if err := meta.Put(dbKeyID, []byte(id)); err != nil {
					return err
				}
			}
			sealed = hasSealed(profiles)
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("secret db %s: %w", d.path, err)
	}
	if d.aead != nil && d.keyID == id {
		return nil
	}
	raw, err := s.backend.Get(Key(dataKeyProfile, id))
	switch {
	case errors.Is(err, ErrNotFound) && sealed:
		return webhook.Errorf(webhook.KindStorage, "the data key of the secret db %s (%s) is missing from the %s: its webhook secrets cannot be read",
			d.path, s.DataKeyName(id), s.backend.Source()).
			WithHint("restore the %s entry %s (another HOOKCTL_STORAGE setting may hold it); a new key is never made over sealed secrets. "+
				"To start over, move %s aside and run `hookctl rotate-secret` for each registration", s.backend.Source(), s.DataKeyName(id), d.path)
	case errors.Is(err, ErrNotFound):
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		raw = base64.StdEncoding.EncodeToString(key)
		if err := s.backend.Set(Key(dataKeyProfile, id), raw); err != nil {
			return fmt.Errorf("store the secret db's data key: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read the secret db's data key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) != 32 {
		return fmt.Errorf("the data key %s is not 32 base64 bytes", s.DataKeyName(id))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	d.aead, d.keyID = aead, id
	return nil
}

// hasSealed reports whether any profile bucket holds a value.
func hasSealed(profiles *bbolt.Bucket) bool {
	found := false
	_ = profiles.ForEachBucket(func(name []byte) error {
		if k, _ := profiles.Bucket(name).Cursor().First(); k != nil {
			found = true
		}
		return nil
	})
	return found
}

// DataKeyName is the backend entry ("<service>/data-key/<id>") of the data
// key with id.
func (s *Store) DataKeyName(id string) string { return Service + "/" + Key(dataKeyProfile, id) }

// aad binds a sealed value to its profile and registration: a value copied
// under another id or profile does not open.
func aad(profile, id string) []byte {
	return []byte("hookctl webhook secrets v1\x00" + profile + "\x00" + id)
}

func seal(a cipher.AEAD, profile, id string, plain []byte) ([]byte, error) {
	out := make([]byte, 1+a.NonceSize(), 1+a.NonceSize()+len(plain)+a.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return a.Seal(out, out[1:], plain, aad(profile, id)), nil
}

func open(a cipher.AEAD, profile, id string, sealed []byte) ([]byte, error) {
	if len(sealed) < 1+a.NonceSize() || sealed[0] != sealVersion {
		return nil, fmt.Errorf("stored secrets for %s are corrupt (unknown format)", id)
	}
	n := 1 + a.NonceSize()
	plain, err := a.Open(nil, sealed[1:n], sealed[n:], aad(profile, id))
	if err != nil {
		return nil, fmt.Errorf("stored secrets for %s do not open under the data key (corrupt, or copied from elsewhere)", id)
	}
	return plain, nil
}

// profileBucket returns profile's bucket; nil when absent and !create.
func profileBucket(tx *bbolt.Tx, profile string, create bool) (*bbolt.Bucket, error) {
	profiles := tx.Bucket(dbBucketProfiles)
	if profiles == nil {
		return nil, fmt.Errorf("secret db has no profiles bucket")
	}
	if !create {
		return profiles.Bucket([]byte(profile)), nil
	}
	return profiles.CreateBucketIfNotExists([]byte(profile))
}

// SecretsLocation says where a store keeps webhook secrets (`auth status`,
// `secrets list`).
type SecretsLocation struct {
	// Store is "db" (the secret db) or the backend's source.
	Store string `json:"store"`
	// Path is the secret db file.
	Path string `json:"path,omitempty"`
	// DataKey names the entry holding the db's data key.
	DataKey string `json:"data_key,omitempty"`
}

func (l SecretsLocation) String() string {
	if l.Store != "db" {
		return "webhook secrets: in the " + l.Store
	}
	return fmt.Sprintf("webhook secrets: sealed (AES-256-GCM) in %s; data key: %s", l.Path, l.DataKey)
}

// WebhookSecretsLocation says where webhook secrets are. It creates
// nothing: before the db exists the data key is "created on first use".
func (s *Store) WebhookSecretsLocation() (SecretsLocation, error) {
	if s.sdb == nil {
		return SecretsLocation{Store: string(s.backend.Source())}, nil
	}
	s.sdb.mu.Lock()
	err := s.sdb.resolve()
	s.sdb.mu.Unlock()
	if err != nil {
		return SecretsLocation{}, err
	}
	l := SecretsLocation{Store: "db", Path: s.sdb.path}
	where := "the OS keyring"
	if f, ok := s.backend.(*File); ok {
		where = "the credentials file " + f.Path()
	} else if s.backend.Source() != SourceKeyring {
		where = "the " + string(s.backend.Source())
	}
	if _, err := os.Lstat(s.sdb.path); errors.Is(err, os.ErrNotExist) {
		l.DataKey = "created on first use, in " + where
		return l, nil
	}
	if _, _, err := s.acquire(); err != nil {
		return l, err
	}
	defer s.release()
	s.sdb.mu.Lock()
	id := s.sdb.keyID
	s.sdb.mu.Unlock()
	l.DataKey = s.DataKeyName(id) + " in " + where
	return l, nil
}

// formatError reports a secret db of another format as a usage error
// (exit 2): boltformat, a leaf package, leaves the typing to its callers.
func formatError(err error) error {
	var o *boltformat.OtherFormatError
	if errors.As(err, &o) {
		return webhook.Errorf(webhook.KindUsage, "%s", o.Error())
	}
	return err
}
