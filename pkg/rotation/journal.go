package rotation

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/base/fsafe"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Journal operations, in the order an entry goes through them. An entry is
// open until its "done" record is on disk.
const (
	OpIntent = "intent" // written and fsynced before the provider call
	OpStored = "stored" // the new secret is in the credential store
	OpDone   = "done"   // outcome final: delivered (ok) or nothing left to do
)

// Record is one JSON line of the journal. It never holds a secret: secrets
// are referenced by salted fingerprints, and a client-chosen (pending) secret
// lives in the credential store's Pending entry.
type Record struct {
	Entry    string    `json:"entry"`
	Op       string    `json:"op"`
	At       time.Time `json:"at"`
	ID       string    `json:"id,omitempty"`
	Provider string    `json:"provider,omitempty"`
	Profile  string    `json:"profile,omitempty"`
	// Salt keys the fingerprints of this entry.
	Salt string `json:"salt,omitempty"`
	// OldFP fingerprints the provider's secret before the call ("" unknown).
	OldFP        string     `json:"old_fp,omitempty"`
	OldRotatedAt *time.Time `json:"old_rotated_at,omitempty"`
	// Pending: a client-chosen secret is in the store's Pending entry.
	Pending bool `json:"pending,omitempty"`
	// Sinks are the delivery targets (file:PATH, exec:CMD) of the run, for
	// messages only: a rerun delivers to the sinks on its own command line
	// and never runs what a journal file says.
	Sinks []string `json:"sinks,omitempty"`
	// NewFP fingerprints the stored new secret (op stored).
	NewFP      string     `json:"new_fp,omitempty"`
	RotatedAt  *time.Time `json:"rotated_at,omitempty"`
	ValidUntil *time.Time `json:"old_valid_until,omitempty"`
	Status     string     `json:"status,omitempty"` // op done: ok, failed, not_rotated
	Error      string     `json:"error,omitempty"`
	// Action and Identity describe an `apply` write (create, update,
	// delete) and the manifest identity it is for; rotation leaves them empty.
	Action   string `json:"action,omitempty"`
	Identity string `json:"identity,omitempty"`
}

// fingerprint is a salted, truncated SHA-256: enough to tell secrets apart,
// useless for recovering one.
func fingerprint(salt, secret string) string {
	if secret == "" {
		return ""
	}
	h := sha256.Sum256([]byte(salt + "\x00" + secret))
	return hex.EncodeToString(h[:12])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Entry is the merged state of one journal entry.
type Entry struct {
	Intent Record
	Stored *Record
	Done   *Record
}

// Open reports whether the entry still needs work.
func (e *Entry) Open() bool { return e.Done == nil }

// journalDir is where a profile's journal files live.
func journalDir(stateDir, profile string) string {
	return filepath.Join(stateDir, "journal", url.PathEscape(profile))
}

// Journal is one run's append-only JSON-lines file (0600). Appends are
// group-committed: concurrent writers share one fsync, and Append returns
// only once its line is durable.
type Journal struct {
	path string
	run  string

	mu      sync.Mutex
	cond    *sync.Cond
	f       *os.File
	seq     int
	written uint64
	synced  uint64
	syncing bool
	err     error
	closed  bool
}

// createJournal starts a new journal file for this run.
func createJournal(dir string, now time.Time) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	run := now.UTC().Format("20060102T150405.000000000Z") + "-" + randomHex(4)
	path := filepath.Join(dir, run+".jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	fsafe.SyncDir(dir)
	j := &Journal{path: path, run: run, f: f}
	j.cond = sync.NewCond(&j.mu)
	return j, nil
}

// CreateJournal starts a run's journal in dir, for runs other than
// rotation's own (`hookctl apply` keeps its journal beside rotation's,
// in a directory of its own, with the same records and durability).
func CreateJournal(dir string, now time.Time) (*Journal, error) { return createJournal(dir, now) }

// OpenEntriesIn reads every journal file in dir and returns the entries
// still open, oldest first, and the files read; CheckStateDirs first.
func OpenEntriesIn(dir string) ([]*Entry, []string, error) {
	entries, files, err := readJournals(dir)
	if err != nil {
		return nil, nil, err
	}
	return openEntries(entries), files, nil
}

// CheckStateDirs refuses a state directory or journal directory that is
// not private to this user (see checkStateDirs).
func CheckStateDirs(stateDir, journal string) error { return checkStateDirs(stateDir, journal) }

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

// NewEntry returns a fresh entry id.
func (j *Journal) NewEntry() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return fmt.Sprintf("%s/%06d", j.run, j.seq)
}

// Append writes r and waits until it is fsynced.
func (j *Journal) Append(r Record) error { return j.append(r, true) }

// AppendLazy writes r without waiting for the disk: a killed process
// loses nothing written (the kernel holds it), and the next Append's fsync
// or Close flushes it. Only for a record whose loss in a power cut costs a
// reconciliation, not a secret: a rotation's final "done", written once
// the new secret is durable in the store (a rerun finds the entry open,
// reads the provider back and closes it). It saves each rotation one wait
// for a flush.
func (j *Journal) AppendLazy(r Record) error { return j.append(r, false) }

func (j *Journal) append(r Record, wait bool) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if j.closed {
		return errors.New("journal closed")
	}
	if _, err := j.f.Write(line); err != nil {
		j.err = fmt.Errorf("journal: %w", err)
		return j.err
	}
	j.written++
	if !wait {
		return nil
	}
	return j.syncLocked(j.written)
}

// syncLocked waits until the first upto lines written are fsynced,
// sharing one fsync with concurrent callers. j.mu is held.
func (j *Journal) syncLocked(upto uint64) error {
	for j.synced < upto && j.err == nil {
		if j.syncing {
			j.cond.Wait()
			continue
		}
		j.syncing = true
		target := j.written
		j.mu.Unlock()
		err := j.f.Sync()
		j.mu.Lock()
		j.syncing = false
		if err != nil {
			j.err = fmt.Errorf("journal fsync: %w", err)
		} else if target > j.synced {
			j.synced = target
		}
		j.cond.Broadcast()
	}
	return j.err
}

// Close closes the file; it stays on disk until its entries are all done.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	err := j.syncLocked(j.written) // lazy records too
	j.closed = true
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readJournals merges every journal file in dir into entries by entry id,
// and returns the files read. A torn last line (crash mid-write) is ignored:
// its record was never acknowledged.
func readJournals(dir string) (map[string]*Entry, []string, error) {
	names, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*Entry{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	entries := map[string]*Entry{}
	var files []string
	for _, n := range names {
		if n.IsDir() || !strings.HasSuffix(n.Name(), ".jsonl") {
			continue
		}
		path := filepath.Join(dir, n.Name())
		if err := fsafe.CheckFile(path); err != nil {
			return nil, nil, webhook.Errorf(webhook.KindError, "refusing the journal: %v", err).
				WithHint("the journal decides what a rerun does; it must be yours and private (chmod 600), or removed")
		}
		files = append(files, path)
		if err := readJournal(path, entries); err != nil {
			return nil, nil, err
		}
	}
	sort.Strings(files)
	return entries, files, nil
}

func readJournal(path string, entries map[string]*Entry) error {
	f, err := fsafe.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Entry == "" {
			continue
		}
		e := entries[r.Entry]
		if e == nil {
			e = &Entry{}
			entries[r.Entry] = e
		}
		switch r.Op {
		case OpIntent:
			e.Intent = r
		case OpStored:
			rc := r
			e.Stored = &rc
		case OpDone:
			rc := r
			e.Done = &rc
		}
	}
	return sc.Err()
}

// openEntries lists the open entries, oldest first.
func openEntries(entries map[string]*Entry) []*Entry {
	var out []*Entry
	for _, e := range entries {
		if e.Open() && e.Intent.Op == OpIntent {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Intent.Entry < out[b].Intent.Entry })
	return out
}
