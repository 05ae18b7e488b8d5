package emulator_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/emulator"
)

type rec struct {
	id  string
	seq int64
}

func (r *rec) RecordID() string { return r.id }
func (r *rec) RecordSeq() int64 { return r.seq }

func check(r *rec) error {
	if r == nil || r.id == "" {
		return errors.New("a record without id")
	}
	return nil
}

func TestSortedAndIndex(t *testing.T) {
	m := map[string]*rec{"b": {"b", 2}, "a": {"a", 3}, "c": {"c", 1}}
	var ids []string
	for _, r := range emulator.Sorted(m) {
		ids = append(ids, r.id)
	}
	if strings.Join(ids, "") != "cba" {
		t.Fatalf("Sorted = %v, want creation order c b a", ids)
	}
	got, seq, err := emulator.Index(emulator.Sorted(m), 2, "x state", "record", check)
	if err != nil || len(got) != 3 || got["a"].seq != 3 || seq != 3 {
		t.Fatalf("Index = %v %d %v", got, seq, err)
	}
	if _, seq, _ := emulator.Index(nil, 7, "x state", "record", check); seq != 7 {
		t.Fatalf("the saved sequence number is kept: %d", seq)
	}
	if _, _, err := emulator.Index([]*rec{{"a", 1}, {"a", 2}}, 0, "x state", "record", check); err == nil || err.Error() != "x state: record a appears twice" {
		t.Fatalf("duplicate: %v", err)
	}
	if _, _, err := emulator.Index([]*rec{nil}, 0, "x state", "record", check); err == nil || err.Error() != "x state: a record without id" {
		t.Fatalf("nil record: %v", err)
	}
}
