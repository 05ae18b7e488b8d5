package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/hookctl/hookctl/internal/base/boltformat"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Store is the replay store behind --seen-db: a bbolt file (0600) of the
// signed data of every delivery accepted, keyed by a digest of it.
//
// Several processes may share one file (two `verify listen` receivers, or a
// receiver and `verify` runs): the file is opened, locked (bbolt's flock)
// and closed for each check, and the check and the record are one
// transaction, so of two processes given the same delivery at the same
// moment exactly one accepts it. Opening per check costs well under a
// millisecond plus the commit's fsync; holding the file open would lock
// every other process out for the life of a receiver.
//
// Entries with a signed time are forgotten once that time is older than
// the largest --tolerance any process recorded with (the store remembers
// it): by then every verifier rejects the delivery as stale anyway.
// Entries without one (hub-signature, RFC 9421 without created) are kept.
type Store struct {
	path string
	mu   sync.Mutex // one transaction at a time in this process
}

// storeFormat marks a replay store; the text format of hookctl before it
// (one delivery id per line) is refused with advice, see OpenStore.
const storeFormat = "hookctl seen-db 1"

// lockWait bounds the wait for another process's transaction.
const lockWait = 10 * time.Second

// pruneBatch bounds the entries one transaction forgets, so a check after
// a long pause stays short; the rest go in later checks.
const pruneBatch = 1000

var (
	bucketSeen   = []byte("seen")    // digest → signed time (8 bytes, Unix ns; 0: none)
	bucketByTime = []byte("by-time") // signed time ‖ digest → "": what to forget first
	bucketMeta   = []byte("meta")
	keyFormat    = []byte("format")
	keyTolerance = []byte("tolerance") // largest tolerance recorded with (8 bytes, ns)
)

// OpenStore opens (creating) the replay store at path. It refuses a
// symbolic link, a file that is not the user's or that others may read
// or write, a directory others may write to (unless sticky, as /tmp), and
// a file in the text format of earlier hookctl versions: its entries were
// unsigned header text and cannot be carried over.
func OpenStore(path string) (*Store, error) {
	if err := checkDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	s := &Store{path: path}
	err := s.update(func(tx *bbolt.Tx) error {
		if _, err := boltformat.Check(tx, bucketMeta, keyFormat, storeFormat, "seen db", path); err != nil {
			var o *boltformat.OtherFormatError
			if errors.As(err, &o) {
				return webhook.Errorf(webhook.KindUsage, "%s", o.Error())
			}
			return err
		}
		for _, b := range [][]byte{bucketSeen, bucketByTime} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// update runs fn in one write transaction with the file opened and locked
// for just that long.
func (s *Store) update(fn func(*bbolt.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	db, err := bbolt.Open(s.path, 0o600, &bbolt.Options{Timeout: lockWait, OpenFile: openPrivate})
	if err != nil {
		return s.openError(err)
	}
	err = db.Update(fn)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("seen db %s: %w", s.path, cerr)
	}
	return err
}

func (s *Store) openError(err error) error {
	var we *webhook.Error
	switch {
	case errors.As(err, &we):
		return err
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("seen db %s: still locked by another process after %s", s.path, lockWait)
	case oldFormat(s.path):
		return webhook.Errorf(webhook.KindUsage, "seen db %s is in the format of an earlier hookctl (one delivery id per line)", s.path).
			WithHint("its entries keyed on unsigned header text and cannot be carried over: move it aside and start a new file " +
				"(a delivery accepted before may then be accepted once more)")
	}
	return fmt.Errorf("seen db %s: %w", s.path, err)
}

// oldFormat reports whether path holds the text format of earlier
// hookctl versions: lines of printable ASCII, the first "scheme:...".
func oldFormat(path string) bool {
	f, err := openPrivate(path, os.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	first, _, _ := bytes.Cut(buf, []byte("\n"))
	if n == 0 || !bytes.Contains(first, []byte(":")) {
		return false
	}
	for _, c := range buf {
		if (c < 0x20 || c > 0x7e) && c != '\n' {
			return false
		}
	}
	return true
}

// Claim is a delivery the store recorded as accepted.
type Claim struct {
	s    *Store
	keys [][2][]byte // seen key, by-time key (nil: none)
}

// Release forgets a claimed delivery that was not delivered after all
// (the forward target failed), so the sender's retry is accepted.
func (c *Claim) Release() error {
	if c == nil {
		return nil
	}
	return c.s.update(func(tx *bbolt.Tx) error {
		seen, byTime := tx.Bucket(bucketSeen), tx.Bucket(bucketByTime)
		for _, k := range c.keys {
			if err := seen.Delete(k[0]); err != nil {
				return err
			}
			if k[1] != nil {
				if err := byTime.Delete(k[1]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Check records the signed data of res, a valid result, unless any of it
// was recorded before; the look-up and the record are one transaction.
// It returns res with a "replay" step: ok on a first delivery, with the
// Claim; failed, and res no longer valid, on a repeat. now is the
// verification time and tolerance the accepted skew, which also bound how
// long timed entries are kept.
func (s *Store) Check(res signature.Result, now time.Time, tolerance time.Duration) (signature.Result, *Claim, error) {
	if !res.Valid || len(res.Signed) == 0 {
		return res, nil, errors.New("seen db: only a verified delivery can be recorded")
	}
	claim := &Claim{s: s}
	for _, sg := range res.Signed {
		d := digest(res.Scheme, sg)
		var byTime []byte
		if !sg.At.IsZero() {
			byTime = append(timeKey(sg.At), d...)
		}
		claim.keys = append(claim.keys, [2][]byte{d, byTime})
	}
	var repeat []byte
	err := s.update(func(tx *bbolt.Tx) error {
		if err := prune(tx, now, tolerance); err != nil {
			return err
		}
		seen, byTime := tx.Bucket(bucketSeen), tx.Bucket(bucketByTime)
		for _, k := range claim.keys {
			if seen.Get(k[0]) != nil {
				repeat = k[0]
				return nil
			}
		}
		for i, k := range claim.keys {
			at := make([]byte, 8)
			if !res.Signed[i].At.IsZero() {
				at = timeKey(res.Signed[i].At)
			}
			if err := seen.Put(k[0], at); err != nil {
				return err
			}
			if k[1] != nil {
				if err := byTime.Put(k[1], nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return res, nil, err
	}
	res.Steps = append(res.Steps[:len(res.Steps):len(res.Steps)], signature.Step{Name: signature.StepReplay})
	last := &res.Steps[len(res.Steps)-1]
	if repeat != nil {
		last.Detail = "already accepted: the same signed content (" + short(repeat) + ") is recorded in " + s.path
		res.Valid, res.FailedStep = false, signature.StepReplay
		return res, nil, nil
	}
	last.OK, last.Detail = true, "first delivery of this signed content ("+short(claim.keys[0][0])+"), recorded in "+s.path
	return res, claim, nil
}

// prune forgets timed entries older than the largest tolerance recorded
// with, as of the earlier of now and the wall clock (a --now in the past
// must not forget what the present still needs).
func prune(tx *bbolt.Tx, now time.Time, tolerance time.Duration) error {
	meta := tx.Bucket(bucketMeta)
	if v := meta.Get(keyTolerance); len(v) == 8 {
		tolerance = max(tolerance, time.Duration(binary.BigEndian.Uint64(v)))
	}
	if err := meta.Put(keyTolerance, binary.BigEndian.AppendUint64(nil, uint64(tolerance))); err != nil {
		return err
	}
	if wall := time.Now(); wall.Before(now) {
		now = wall
	}
	cutoff := timeKey(now.Add(-tolerance))
	var old [][]byte
	c := tx.Bucket(bucketByTime).Cursor()
	for k, _ := c.First(); k != nil && len(old) < pruneBatch && bytes.Compare(k[:8], cutoff) < 0; k, _ = c.Next() {
		old = append(old, bytes.Clone(k)) // k is only valid until the first write
	}
	seen, byTime := tx.Bucket(bucketSeen), tx.Bucket(bucketByTime)
	for _, k := range old {
		if err := seen.Delete(k[8:]); err != nil {
			return err
		}
		if err := byTime.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// digest identifies one signed message: SHA-256 over the scheme and each
// signed part, length-prefixed so no two splits of the same bytes meet.
func digest(scheme string, sg signature.Signed) []byte {
	h := sha256.New()
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	put([]byte(scheme))
	for _, p := range sg.Parts {
		put(p)
	}
	return h.Sum(nil)
}

// timeKey is t as 8 big-endian bytes of Unix nanoseconds, which sort as
// the times do (times before 1970 count as 1970).
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(max(t.UnixNano(), 0)))
}

func short(d []byte) string { return "sha256:" + hex.EncodeToString(d[:8]) }
