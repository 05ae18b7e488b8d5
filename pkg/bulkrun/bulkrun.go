// Package bulkrun is the kit of hookctl's crash-safe bulk runs
// (rotate-secret, apply, deliveries resend): the journal (intent before
// each provider call, outcome after, so a run killed at any point is
// finished or reported by the next one), the profile and account locks,
// the one step that begins such a run (Begin), the bounded per-item loop
// (Each, EachStream), the sinks that receive new secrets besides the
// credential store, and the status words of their reports. It knows
// nothing of what the items are: rotation and apply bring their own
// journal records and their own recovery.
package bulkrun

import (
	"os"
	"path/filepath"
	"time"

	"github.com/hookctl/hookctl/internal/base/fsafe"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Statuses of a report's rows: one vocabulary for every bulk command
// (rotate-secret, apply, deliveries resend), listed in their help.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
	StatusPlanned = "planned"
	// StatusNotStarted: the run was interrupted (Ctrl-C) before this item's
	// turn; nothing was sent for it, and a rerun does it.
	StatusNotStarted = "not started"
)

// Definite reports an error after which nothing changed: the provider
// refused (not found, credentials, a request it rejects), or the store
// failed before any request was sent. Any other error of a write may or
// may not have taken effect, and the write's state is read back first.
func Definite(err error) bool {
	switch webhook.KindOf(err) {
	case webhook.KindNotFound, webhook.KindAuth, webhook.KindUsage, webhook.KindStorage:
		return true
	}
	return false
}

// Options say where a run keeps its journal and which runs it excludes.
type Options struct {
	StateDir string
	// Dir is the run's journal directory (Dir(StateDir, kind, Profile)).
	Dir string
	// Profile names the profile lock (AcquireLock); Account, when set, the
	// provider account's lock too (AcquireAccountLock).
	Profile string
	Account string
	// DryRun only reads the entries an interrupted run left open: no lock
	// is taken and nothing is written.
	DryRun bool
	// Check runs once the state directory is found private and before any
	// lock or write (a store or sink that cannot work stops the run with
	// nothing changed); nil checks nothing.
	Check func() error
	// Now dates the journal (default time.Now).
	Now func() time.Time
}

// Run is a begun run: its locks held, its journal open.
type Run[R any] struct {
	// Journal is the run's journal; nil in a dry run.
	Journal *Journal[R]
	// Open are the entries interrupted runs left open, oldest first,
	// carried into Journal: the caller finishes or reports each.
	Open  []*Entry[R]
	locks []*Lock
}

// Begin begins a crash-safe run: it refuses a state directory that is
// not private to this user, runs o.Check, takes the profile's lock and
// the account's (so no two runs write one profile's or one account's
// registrations at once), reads the entries interrupted runs left open,
// starts this run's journal with them (intent and stored records) and
// then drops the old journal files: the merge by entry id makes a crash
// in between harmless. Close ends the run.
func Begin[R any](o Options) (*Run[R], error) {
	if err := checkStateDirs(o.StateDir, o.Dir); err != nil {
		return nil, err
	}
	if o.Check != nil {
		if err := o.Check(); err != nil {
			return nil, err
		}
	}
	r := &Run[R]{}
	if !o.DryRun {
		if err := r.lock(o); err != nil {
			r.Close()
			return nil, err
		}
	}
	entries, files, err := readJournals[R](o.Dir)
	if err != nil {
		r.Close()
		return nil, err
	}
	r.Open = openEntries(entries)
	if o.DryRun {
		return r, nil
	}
	if err := r.carryOver(o, files); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Run[R]) lock(o Options) error {
	l, err := AcquireLock(o.StateDir, o.Profile)
	if err != nil {
		return err
	}
	r.locks = append(r.locks, l)
	if o.Account == "" {
		return nil
	}
	al, err := AcquireAccountLock(o.StateDir, o.Account)
	if err != nil {
		return err
	}
	r.locks = append(r.locks, al)
	return nil
}

// carryOver starts the run's journal with the open entries and removes
// the files they came from.
func (r *Run[R]) carryOver(o Options, files []string) error {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	var err error
	if r.Journal, err = CreateJournal[R](o.Dir, now()); err != nil {
		return err
	}
	for _, en := range r.Open {
		if err := r.Journal.Append(en.Intent); err != nil {
			return err
		}
		if en.Stored != nil {
			if err := r.Journal.Append(*en.Stored); err != nil {
				return err
			}
		}
	}
	for _, f := range files {
		os.Remove(f)
	}
	fsafe.SyncDir(o.Dir)
	return nil
}

// Close closes the journal, flushing what was appended lazily
// (AppendLazy), then releases the locks. Its error is the flush's: the
// records written without waiting may not be on disk.
func (r *Run[R]) Close() error {
	var err error
	if r.Journal != nil {
		err = r.Journal.Close()
	}
	for i := len(r.locks) - 1; i >= 0; i-- {
		r.locks[i].Release()
	}
	r.locks = nil
	return err
}

// checkStateDirs refuses a state directory or journal that another user
// owns or can write, or that is a symbolic link: the journal decides what
// a run does, and it may have been restored from a shared cache.
func checkStateDirs(stateDir, journal string) error {
	for _, d := range []struct {
		path   string
		follow bool
	}{{stateDir, true}, {filepath.Dir(journal), false}, {journal, false}} {
		if err := fsafe.CheckDir(d.path, d.follow); err != nil {
			return webhook.Errorf(webhook.KindError, "refusing the state directory: %v", err).
				WithHint("the journal there decides what a rerun does; it must be yours and private (chmod 700)")
		}
	}
	return nil
}
