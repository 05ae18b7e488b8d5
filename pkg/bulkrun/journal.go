package bulkrun

import (
	"bufio"
	"crypto/rand"
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

// header is what the journal itself reads of a line: a JSON object whose
// "entry" and "op" name the entry and its step. The rest of the line is
// the caller's record R (rotation's, apply's), each with the JSON names
// the one record type shared by both had before, so a journal an earlier
// version left behind reads the same.
type header struct {
	Entry string `json:"entry"`
	Op    string `json:"op"`
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Entry is the merged state of one journal entry: its records by op.
type Entry[R any] struct {
	// Name is the entry's id (the lines' "entry").
	Name   string
	Intent R
	Stored *R
	Done   *R
	// intent: the entry has its intent line (a torn or foreign file may
	// hold a later line alone).
	intent bool
}

// Open reports whether the entry still needs work: its intent is on disk
// and its outcome is not.
func (e *Entry[R]) Open() bool { return e.intent && e.Done == nil }

// Dir is where a profile's journal files of one kind of run live
// (rotation's "journal", apply's "apply-journal"): <state>/<kind>/<profile>.
// Each kind has its own, since each reads only its own records.
func Dir(stateDir, kind, profile string) string {
	return filepath.Join(stateDir, kind, url.PathEscape(profile))
}

// Journal is one run's append-only JSON-lines file (0600) of records R.
// Appends are group-committed: concurrent writers share one fsync, and
// Append returns only once its line is durable.
type Journal[R any] struct {
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

// CreateJournal starts a new journal file in dir. A run gets its journal
// from Begin, which first takes the locks and carries the open entries
// over; this alone is for writing a journal by hand (tests leaving one as
// a killed run would).
func CreateJournal[R any](dir string, now time.Time) (*Journal[R], error) {
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
	j := &Journal[R]{path: path, run: run, f: f}
	j.cond = sync.NewCond(&j.mu)
	return j, nil
}

// ReadEntries reads every journal file in dir and returns its entries,
// oldest first, and the files read.
func ReadEntries[R any](dir string) ([]*Entry[R], []string, error) {
	entries, files, err := readJournals[R](dir)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Entry[R], 0, len(entries))
	for _, e := range entries {
		out = append(out, e)
	}
	sortEntries(out)
	return out, files, nil
}

// Path is the journal file.
func (j *Journal[R]) Path() string { return j.path }

// NewEntry returns a fresh entry id.
func (j *Journal[R]) NewEntry() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return fmt.Sprintf("%s/%06d", j.run, j.seq)
}

// Append writes r and waits until it is fsynced.
func (j *Journal[R]) Append(r R) error { return j.append(r, true) }

// AppendLazy writes r without waiting for the disk: a killed process
// loses nothing written (the kernel holds it), and the next Append's fsync
// or Close flushes it. Only for a record whose loss in a power cut costs a
// reconciliation, not a secret: a rotation's final "done", written once
// the new secret is durable in the store (a rerun finds the entry open,
// reads the provider back and closes it). It saves each rotation one wait
// for a flush.
func (j *Journal[R]) AppendLazy(r R) error { return j.append(r, false) }

func (j *Journal[R]) append(r R, wait bool) error {
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
func (j *Journal[R]) syncLocked(upto uint64) error {
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
func (j *Journal[R]) Close() error {
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
func readJournals[R any](dir string) (map[string]*Entry[R], []string, error) {
	names, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*Entry[R]{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	entries := map[string]*Entry[R]{}
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

func readJournal[R any](path string, entries map[string]*Entry[R]) error {
	f, err := fsafe.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var h header
		var r R
		if json.Unmarshal(sc.Bytes(), &h) != nil || h.Entry == "" || json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		e := entries[h.Entry]
		if e == nil {
			e = &Entry[R]{Name: h.Entry}
			entries[h.Entry] = e
		}
		switch h.Op {
		case OpIntent:
			e.Intent, e.intent = r, true
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
func openEntries[R any](entries map[string]*Entry[R]) []*Entry[R] {
	var out []*Entry[R]
	for _, e := range entries {
		if e.Open() {
			out = append(out, e)
		}
	}
	sortEntries(out)
	return out
}

// sortEntries puts entries oldest first: an entry's id starts with its
// run's start time.
func sortEntries[R any](es []*Entry[R]) {
	sort.Slice(es, func(a, b int) bool { return es[a].Name < es[b].Name })
}
