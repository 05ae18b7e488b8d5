package credentials

import (
	"fmt"
	"sync"
	"testing"
)

// TestIndexAdditionsFromSeveralProcesses: stores that share a backend
// without a lock of its own (the keyring) and a state dir, as separate
// hookctl processes do, lose none of each other's index additions; a
// lost one would survive `profile remove`.
func TestIndexAdditionsFromSeveralProcesses(t *testing.T) {
	dir := t.TempDir()
	mem := NewMemory()
	const stores, each = 8, 25
	var wg sync.WaitGroup
	for i := range stores {
		s := New(mem, func(string) string { return "" })
		s.sdb = &secretDB{stateDir: func() (string, error) { return dir, nil }}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				if err := s.noteName("p", fmt.Sprintf("n%d-%d", i, j)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	names, err := New(mem, func(string) string { return "" }).Names("p")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != stores*each {
		t.Fatalf("the index holds %d names, want %d: additions were lost", len(names), stores*each)
	}
}
