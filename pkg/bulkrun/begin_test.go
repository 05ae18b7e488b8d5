package bulkrun

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// journalWith leaves in dir what a killed run leaves: a journal file with
// an entry open at its intent, one open after its stored record, and one
// done.
func journalWith(t *testing.T, dir string) string {
	t.Helper()
	j, err := CreateJournal[record](dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := j.NewEntry(), j.NewEntry(), j.NewEntry()
	for _, r := range []record{
		{Entry: a, Op: OpIntent, ID: "wh_a"},
		{Entry: b, Op: OpIntent, ID: "wh_b"},
		{Entry: b, Op: OpStored, ID: "wh_b"},
		{Entry: c, Op: OpIntent, ID: "wh_c"},
		{Entry: c, Op: OpDone, Status: StatusOK},
	} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return j.Path()
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	return names
}

// TestBeginCarriesOpenEntriesOver: the open entries come back oldest
// first, and this run's journal holds them (intent, and stored where
// there was one) in place of the old file; the done entry is dropped.
func TestBeginCarriesOpenEntriesOver(t *testing.T) {
	state := t.TempDir()
	dir := Dir(state, "journal", "p")
	old := journalWith(t, dir)
	r, err := Begin[record](Options{StateDir: state, Dir: dir, Profile: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Open) != 2 || r.Open[0].Intent.ID != "wh_a" || r.Open[0].Stored != nil || r.Open[1].Intent.ID != "wh_b" || r.Open[1].Stored == nil {
		t.Fatalf("open entries: %+v", r.Open)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := files(t, dir); len(got) != 1 || got[0] == old {
		t.Fatalf("journal files after Begin: %v (the old one was %s)", got, old)
	}
	all, _, err := ReadEntries[record](dir)
	if err != nil || len(all) != 2 || !all[0].Open() || !all[1].Open() || all[1].Stored == nil {
		t.Fatalf("the new journal holds %+v (%v)", all, err)
	}
}

// TestBeginHoldsTheLocks: a begun run holds its profile's lock and its
// account's until Close; another profile on another account is not held
// up.
func TestBeginHoldsTheLocks(t *testing.T) {
	state := t.TempDir()
	begin := func(profile, account string) (*Run[record], error) {
		return Begin[record](Options{StateDir: state, Dir: Dir(state, "journal", profile), Profile: profile, Account: account})
	}
	r, err := begin("p", "acct")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := begin("p", ""); err == nil || !strings.Contains(err.Error(), `profile "p"`) {
		t.Fatalf("a second run of the profile: %v", err)
	}
	if _, err := begin("q", "acct"); err == nil || !strings.Contains(err.Error(), "same provider account") {
		t.Fatalf("a run of another profile on the account: %v", err)
	}
	other, err := begin("q", "acct2")
	if err != nil {
		t.Fatalf("another account: %v", err)
	}
	other.Close()
	r.Close()
	again, err := begin("q", "acct")
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()
}

// TestBeginDryRunWritesNothing: a dry run reads the open entries without
// a lock (a real run may hold it) and leaves the journal as it was.
func TestBeginDryRunWritesNothing(t *testing.T) {
	state := t.TempDir()
	dir := Dir(state, "journal", "p")
	old := journalWith(t, dir)
	held, err := AcquireLock(state, "p")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	r, err := Begin[record](Options{StateDir: state, Dir: dir, Profile: "p", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.Open) != 2 || r.Journal != nil {
		t.Fatalf("dry run: %d open, journal %v", len(r.Open), r.Journal)
	}
	if got := files(t, dir); len(got) != 1 || got[0] != old {
		t.Fatalf("journal files after a dry run: %v", got)
	}
}

// TestBeginChecksFirst: a state directory open to others is refused, and
// a failing Check stops the run, both before any lock or journal.
func TestBeginChecksFirst(t *testing.T) {
	state := t.TempDir()
	dir := Dir(state, "journal", "p")
	if err := os.Chmod(state, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Begin[record](Options{StateDir: state, Dir: dir, Profile: "p"}); err == nil || !strings.Contains(err.Error(), "refusing the state directory") {
		t.Fatalf("a state directory open to others: %v", err)
	}
	if err := os.Chmod(state, 0o700); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("the store cannot keep secrets")
	if _, err := Begin[record](Options{StateDir: state, Dir: dir, Profile: "p", Check: func() error { return broken }}); !errors.Is(err, broken) {
		t.Fatalf("Check's error: %v", err)
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Fatalf("Begin wrote %v before its checks passed", entries)
	}
}
