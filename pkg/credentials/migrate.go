package credentials

import (
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.etcd.io/bbolt"
)

// Migration from the old layout (one backend entry "<profile>/webhook/<id>"
// per registration) into the secret db runs the first time a process
// touches a profile's webhook secrets. Entries go in batches: one
// transaction puts a batch into the db (an id the db already has keeps the
// db's value: it is the same value migrated before a crash, or newer), the
// commit is fsynced, and only then are the old entries deleted. A kill at
// any point leaves each secret in the old entry, the db, or both, and the
// next run finishes the move: nothing is lost and nothing is moved twice.
//
// The file backend lists its entries. The keyring cannot be listed, so the
// profile's index names them; entries older than the index are moved when
// a registration missing from the db is looked up (see legacyGet).

// migrateBatchSize is the number of entries moved per transaction (a
// variable so the keyring kill test can cross batches with few entries:
// every keyring item costs tens of milliseconds).
var migrateBatchSize = 64

// lister is a backend that can enumerate its keys (the file backend).
type lister interface {
	Keys() ([]string, error)
}

// bulkDeleter is a backend that deletes many keys in one write.
type bulkDeleter interface {
	DeleteKeys(keys []string) error
}

// withDB runs fn with the secret db open, its data key loaded and the
// profile's old entries migrated.
func (s *Store) withDB(profile string, fn func(*bbolt.DB, cipher.AEAD) error) error {
	db, a, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.release()
	if err := s.migrateProfile(db, a, profile); err != nil {
		return err
	}
	return fn(db, a)
}

// migrateProfile moves profile's old-layout webhook secrets into the db,
// once per process.
func (s *Store) migrateProfile(db *bbolt.DB, a cipher.AEAD, profile string) error {
	d := s.sdb
	d.migMu.Lock()
	defer d.migMu.Unlock()
	if d.migrated[profile] {
		return nil
	}
	var ids []string
	if l, ok := s.backend.(lister); ok {
		keys, err := l.Keys()
		if err != nil {
			return err
		}
		for _, k := range keys {
			if id, ok := strings.CutPrefix(k, Key(profile, secretName(""))); ok {
				ids = append(ids, id)
			}
		}
	} else {
		names, err := s.Names(profile)
		if err != nil {
			return fmt.Errorf("migrate webhook secrets of %s: %w", profile, err)
		}
		for _, n := range names {
			if id, ok := strings.CutPrefix(n, secretName("")); ok {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	for len(ids) > 0 {
		batch := ids[:min(migrateBatchSize, len(ids))]
		ids = ids[len(batch):]
		if err := s.migrateBatch(db, a, profile, batch); err != nil {
			return fmt.Errorf("migrate webhook secrets of %s into %s: %w", profile, d.path, err)
		}
	}
	// A kill between deleting a batch and unindexing it leaves names of
	// entries that are gone (the file lists only what is left).
	names, err := s.Names(profile)
	if err != nil {
		return err
	}
	names = slices.DeleteFunc(names, func(n string) bool { return !strings.HasPrefix(n, secretName("")) })
	if len(names) > 0 {
		if err := s.forgetNames(profile, names); err != nil {
			return err
		}
	}
	if d.migrated == nil {
		d.migrated = map[string]bool{}
	}
	d.migrated[profile] = true
	return nil
}

// migrateBatch moves the old entries of ids: db first, then deletes.
func (s *Store) migrateBatch(db *bbolt.DB, a cipher.AEAD, profile string, ids []string) error {
	vals := map[string]string{}
	for _, id := range ids {
		v, err := s.backend.Get(Key(profile, secretName(id)))
		if errors.Is(err, ErrNotFound) {
			continue // moved before a crash that kept its index name
		}
		if err != nil {
			return err
		}
		vals[id] = v
	}
	err := s.sdb.update(db, func(tx *bbolt.Tx) error {
		b, err := profileBucket(tx, profile, true)
		if err != nil {
			return err
		}
		for id, v := range vals {
			if b.Get([]byte(id)) != nil {
				continue
			}
			sealed, err := seal(a, profile, id, []byte(v))
			if err != nil {
				return err
			}
			if err := b.Put([]byte(id), sealed); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.migrateStep("committed")
	keys := make([]string, 0, len(ids))
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, Key(profile, secretName(id)))
		names = append(names, secretName(id))
	}
	if bd, ok := s.backend.(bulkDeleter); ok {
		if err := bd.DeleteKeys(keys); err != nil {
			return err
		}
	} else {
		for _, k := range keys {
			if err := s.backend.Delete(k); err != nil {
				return err
			}
		}
	}
	s.migrateStep("deleted")
	// The index is an aid to listing; the db lists these now.
	_ = s.forgetNames(profile, names)
	s.migrateStep("unindexed")
	return nil
}

func (s *Store) migrateStep(step string) {
	if f := s.sdb.afterMigrateStep; f != nil {
		f(step)
	}
}

// legacyGet reads a registration's old-layout entry, for a registration the
// db does not have; only the keyring can still hold one after migration
// (written before the index). An absent entry is remembered for the life
// of the process: nothing writes the old layout any more, so it stays
// absent, and a rotation of 1,000 new registrations asks the keyring 1,000
// times instead of 2,000.
func (s *Store) legacyGet(profile, id string) (string, bool, error) {
	if _, ok := s.backend.(lister); ok {
		return "", false, nil
	}
	d, k := s.sdb, profile+"\x00"+id
	d.legacyMu.Lock()
	absent := d.legacyAbsent[k]
	d.legacyMu.Unlock()
	if absent {
		return "", false, nil
	}
	v, err := s.backend.Get(Key(profile, secretName(id)))
	if errors.Is(err, ErrNotFound) {
		d.noteLegacyAbsent(k)
		return "", false, nil
	}
	return v, err == nil, err
}

func (d *secretDB) noteLegacyAbsent(k string) {
	d.legacyMu.Lock()
	defer d.legacyMu.Unlock()
	if d.legacyAbsent == nil {
		d.legacyAbsent = map[string]bool{}
	}
	d.legacyAbsent[k] = true
}

// dropLegacy deletes a registration's old-layout entry once the db holds it.
func (s *Store) dropLegacy(profile, id string) error {
	if err := s.Delete(profile, secretName(id)); err != nil {
		return err
	}
	s.sdb.noteLegacyAbsent(profile + "\x00" + id)
	return nil
}

// dbGet reads and opens a registration's sealed set; nil when the db lacks it.
func dbGet(db *bbolt.DB, a cipher.AEAD, profile, id string) (plain []byte, err error) {
	err = db.View(func(tx *bbolt.Tx) error {
		b, err := profileBucket(tx, profile, false)
		if err != nil || b == nil {
			return err
		}
		if v := b.Get([]byte(id)); v != nil {
			plain, err = open(a, profile, id, v)
		}
		return err
	})
	return plain, err
}

// dbHas reports whether the db holds a sealed set for id (unopened).
func dbHas(db *bbolt.DB, profile, id string) bool {
	has := false
	_ = db.View(func(tx *bbolt.Tx) error {
		b, err := profileBucket(tx, profile, false)
		has = err == nil && b != nil && b.Get([]byte(id)) != nil
		return nil
	})
	return has
}

func (s *Store) dbWebhookSecrets(profile, id string) (WebhookSecrets, error) {
	var ws WebhookSecrets
	var plain []byte
	err := s.withDB(profile, func(db *bbolt.DB, a cipher.AEAD) error {
		var err error
		if plain, err = dbGet(db, a, profile, id); err != nil || plain != nil {
			return err
		}
		old, found, err := s.legacyGet(profile, id)
		if err != nil || !found {
			return err
		}
		// Move it: the db then answers (a value the db got meanwhile wins).
		if err := s.dbUpdate(db, a, profile, id, []byte(old), func(*WebhookSecrets) error { return nil }); err != nil {
			return err
		}
		plain, err = dbGet(db, a, profile, id)
		return err
	})
	if err != nil || plain == nil {
		return ws, err
	}
	if err := json.Unmarshal(plain, &ws); err != nil {
		return ws, fmt.Errorf("stored secrets for %s are corrupt: %w", id, err)
	}
	return ws, nil
}

func (s *Store) dbUpdateWebhookSecrets(profile, id string, fn func(*WebhookSecrets) error) error {
	return s.withDB(profile, func(db *bbolt.DB, a cipher.AEAD) error {
		// The old entry is looked up before the write transaction, not in
		// it: a keyring round trip there would hold up every other writer.
		// Only a backend that cannot list its entries (the keyring) may
		// still hold one, and only for an id the db lacks.
		var legacy []byte
		if _, listed := s.backend.(lister); !listed && !dbHas(db, profile, id) {
			old, found, err := s.legacyGet(profile, id)
			if err != nil {
				return err
			}
			if found {
				legacy = []byte(old)
			}
		}
		return s.dbUpdate(db, a, profile, id, legacy, fn)
	})
}

// dbUpdate applies fn to a registration's set in a group commit (see
// secretDB.commit). legacy, when not nil, is its old-layout entry, used
// only if the db still lacks the id at commit time, and deleted from the
// backend once the commit holds it.
func (s *Store) dbUpdate(db *bbolt.DB, a cipher.AEAD, profile, id string, legacy []byte, fn func(*WebhookSecrets) error) error {
	var fromLegacy bool
	err := s.sdb.commit(db, func(tx *bbolt.Tx) error {
		fromLegacy = false
		b, err := profileBucket(tx, profile, true)
		if err != nil {
			return err
		}
		var ws WebhookSecrets
		plain := legacy
		if v := b.Get([]byte(id)); v != nil {
			if plain, err = open(a, profile, id, v); err != nil {
				return err
			}
		} else {
			fromLegacy = legacy != nil
		}
		if plain != nil {
			if err := json.Unmarshal(plain, &ws); err != nil {
				return fmt.Errorf("stored secrets for %s are corrupt: %w", id, err)
			}
		}
		if err := fn(&ws); err != nil {
			return err
		}
		out, err := json.Marshal(ws)
		if err != nil {
			return err
		}
		sealed, err := seal(a, profile, id, out)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), sealed)
	})
	if err == nil && fromLegacy {
		// Best effort: the db copy is durable and wins over the old one.
		_ = s.dropLegacy(profile, id)
	}
	return err
}

// dbWebhookIDs lists the registrations the db holds secrets for.
func (s *Store) dbWebhookIDs(profile string) ([]string, error) {
	ids := []string{}
	err := s.withDB(profile, func(db *bbolt.DB, _ cipher.AEAD) error {
		return db.View(func(tx *bbolt.Tx) error {
			b, err := profileBucket(tx, profile, false)
			if err != nil || b == nil {
				return err
			}
			return b.ForEach(func(k, _ []byte) error {
				ids = append(ids, string(k))
				return nil
			})
		})
	})
	return ids, err
}

// dbForgetProfile drops profile's bucket from the db.
func (s *Store) dbForgetProfile(profile string) error {
	return s.withDB(profile, func(db *bbolt.DB, _ cipher.AEAD) error {
		return s.sdb.update(db, func(tx *bbolt.Tx) error {
			profiles := tx.Bucket(dbBucketProfiles)
			if profiles == nil || profiles.Bucket([]byte(profile)) == nil {
				return nil
			}
			return profiles.DeleteBucket([]byte(profile))
		})
	})
}
