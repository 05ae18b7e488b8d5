package rotation

import (
	"time"

	"github.com/hookctl/hookctl/pkg/bulkrun"
)

// The tests read and write rotation journals as a run leaves them.

func createJournal(dir string, now time.Time) (*bulkrun.Journal[Record], error) {
	return bulkrun.CreateJournal[Record](dir, now)
}

func readJournals(dir string) ([]*Entry, []string, error) {
	return bulkrun.ReadEntries[Record](dir)
}

func openEntries(entries []*Entry) []*Entry {
	var open []*Entry
	for _, e := range entries {
		if e.Open() {
			open = append(open, e)
		}
	}
	return open
}
