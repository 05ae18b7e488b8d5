package bulkrun

import (
	"testing"
	"time"
)

// record is a journal record as a caller declares it.
type record struct {
	Entry  string    `json:"entry"`
	Op     string    `json:"op"`
	At     time.Time `json:"at"`
	ID     string    `json:"id,omitempty"`
	Status string    `json:"status,omitempty"`
}

// TestJournalLazyRecord: a lazy record is in the file at once (a killed
// process loses nothing written) without waiting for a flush; the next
// Append's flush and Close cover it.
func TestJournalLazyRecord(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	j, err := CreateJournal[record](dir, now)
	if err != nil {
		t.Fatal(err)
	}
	e1, e2 := j.NewEntry(), j.NewEntry()
	if err := j.Append(record{Entry: e1, Op: OpIntent, ID: "wh_1", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := j.AppendLazy(record{Entry: e1, Op: OpDone, Status: StatusOK, At: now}); err != nil {
		t.Fatal(err)
	}
	if j.synced != 1 || j.written != 2 {
		t.Fatalf("after a lazy record: %d of %d lines flushed, want 1 of 2", j.synced, j.written)
	}
	entries, _, err := readJournals[record](dir)
	if err != nil || len(openEntries(entries)) != 0 {
		t.Fatalf("the lazy done is not in the file: %d open, %v", len(openEntries(entries)), err)
	}
	if err := j.AppendLazy(record{Entry: e2, Op: OpIntent, ID: "wh_2", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil || j.synced != j.written {
		t.Fatalf("Close: %v, %d of %d lines flushed", err, j.synced, j.written)
	}
}
