package emulator

import (
	"cmp"
	"fmt"
	"slices"
)

// Record is what an emulator keeps per registration: its id and the
// sequence number that orders records as they were created.
type Record interface {
	RecordID() string
	RecordSeq() int64
}

// Sorted lists m's records in creation order, for State.
func Sorted[R Record](m map[string]R) []R {
	out := make([]R, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b R) int { return cmp.Compare(a.RecordSeq(), b.RecordSeq()) })
	return out
}

// Index rebuilds the id → record map from a saved list, for LoadState. It
// runs check on each record first (a nil one included: check must refuse
// it), refuses an id saved twice, and returns the highest sequence number
// it saw next to seq, the one saved. prefix starts each error, e.g.
// "pwc sandbox state"; what names a record, e.g. "subscription".
func Index[R Record](list []R, seq int64, prefix, what string, check func(R) error) (map[string]R, int64, error) {
	m := make(map[string]R, len(list))
	for _, r := range list {
		if err := check(r); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", prefix, err)
		}
		if _, dup := m[r.RecordID()]; dup {
			return nil, 0, fmt.Errorf("%s: %s %s appears twice", prefix, what, r.RecordID())
		}
		m[r.RecordID()] = r
		seq = max(seq, r.RecordSeq())
	}
	return m, seq, nil
}
