package credentials

import (
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// TestFileUpdateAcrossStores: two Stores on one file, as two hookctl
// processes would be, each do read-modify-writes of the same entry; the
// file lock around one read and one write must lose none of them.
func TestFileUpdateAcrossStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.json")
	a, b := New(NewFile(path), func(string) string { return "" }), New(NewFile(path), func(string) string { return "" })
	const each = 40
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b} {
		wg.Add(1)
		go func(s *Store) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := s.Update("p", "counter", func(old string, found bool) (string, error) {
					n := 0
					if found {
						n, _ = strconv.Atoi(old)
					}
					return strconv.Itoa(n + 1), nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}(s)
	}
	wg.Wait()
	got, err := a.Get("p", "counter")
	if err != nil || got != strconv.Itoa(2*each) {
		t.Fatalf("counter = %q (%v), want %d: updates were lost", got, err, 2*each)
	}
}
