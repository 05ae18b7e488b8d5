package credentials

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSecretDBFailedGroupCommitLosesNothing: a group commit whose disk
// write fails (the db's descriptor is swapped for a read-only one while
// the group commits) fails every write in the group and stores none of
// them, leaves the secrets stored before it as they were, and the db
// keeps working once the disk does: the writes then retried are stored,
// and a fresh store over the same files reads exactly that.
func TestSecretDBFailedGroupCommitLosesNothing(t *testing.T) {
	dir := t.TempDir()
	s := openIn(t, StorageFile, dir)
	now := time.Now()
	const n = 16
	for i := range n {
		if err := s.StoreCurrent("p", fmt.Sprintf("wh_%02d", i), fmt.Sprintf("whsec_old_%02d", i), 0, now); err != nil {
			t.Fatal(err)
		}
	}
	// Keep the db open across the test, so its descriptor stays the one
	// swapped.
	if _, _, err := s.acquire(); err != nil {
		t.Fatal(err)
	}
	defer s.release()
	fd := dbFD(t, SecretDBPath(dir))
	saved, err := syscall.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(saved)
	ro, err := os.Open(SecretDBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()

	// Group 1: one writer, held until the others queue; group 2: the
	// other n-1, committed on a read-only descriptor.
	release := make(chan struct{})
	var mu sync.Mutex
	groups := 0
	s.sdb.beforeCommit = func(int) {
		mu.Lock()
		groups++
		g := groups
		mu.Unlock()
		switch g {
		case 1:
			<-release
		case 2:
			if err := syscall.Dup3(int(ro.Fd()), fd, 0); err != nil {
				panic(err)
			}
		}
	}
	go func() {
		for s.sdb.queued() < n-1 {
			time.Sleep(time.Millisecond)
		}
		close(release)
	}()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.StoreCurrent("p", fmt.Sprintf("wh_%02d", i), fmt.Sprintf("whsec_new_%02d", i), time.Hour, now)
		}()
	}
	wg.Wait()
	if err := syscall.Dup3(saved, fd, 0); err != nil {
		t.Fatal(err)
	}
	s.sdb.beforeCommit = nil
	mu.Lock()
	if groups < 2 {
		t.Fatalf("%d group commits: the test did not make a group", groups)
	}
	mu.Unlock()
	failed := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			failed[fmt.Sprintf("wh_%02d", i)] = true
		}
	}
	if len(failed) != n-1 {
		t.Fatalf("%d of %d writes failed, want the %d of the failed group: %v", len(failed), n, n-1, errs)
	}
	check := func(s *Store, what string) {
		t.Helper()
		for i := range n {
			id := fmt.Sprintf("wh_%02d", i)
			ws, err := s.WebhookSecrets("p", id)
			want := fmt.Sprintf("whsec_new_%02d", i)
			if failed[id] {
				want = fmt.Sprintf("whsec_old_%02d", i)
			}
			if err != nil || ws.Current == nil || ws.Current.Value != want {
				t.Errorf("%s: %s holds %+v (%v), want %s (failed write: %v)", what, id, ws.Current, err, want, failed[id])
			}
		}
	}
	check(s, "after the failed group, same process")
	// The failed ones are retried and stored.
	for id := range failed {
		var i int
		fmt.Sscanf(id, "wh_%d", &i)
		if err := s.StoreCurrent("p", id, fmt.Sprintf("whsec_new_%02d", i), time.Hour, now); err != nil {
			t.Fatalf("retry %s: %v", id, err)
		}
	}
	failed = map[string]bool{}
	check(s, "after the retries")
	fresh := openIn(t, StorageFile, filepath.Dir(s.sdb.path))
	s.release() // let the fresh store take the flock
	defer func() { _, _, _ = s.acquire() }()
	check(fresh, "fresh store")
}

// dbFD finds the descriptor of this process open on path (bbolt's).
func dbFD(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	found := -1
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && l == path {
			if found >= 0 {
				t.Fatalf("two descriptors on %s", path)
			}
			found, _ = strconv.Atoi(e.Name())
		}
	}
	if found < 0 {
		t.Fatalf("no descriptor on %s", path)
	}
	return found
}

// TestSecretDBFnReadsStoreInsideGroup: a caller's fn runs inside the
// group's write transaction, possibly on another goroutine (the leader's);
// a fn that reads the store there (another id, or its own) must neither
// deadlock nor see anything but committed state or its own group's.
func TestSecretDBFnReadsStoreInsideGroup(t *testing.T) {
	s := openIn(t, StorageFile, t.TempDir())
	now := time.Now()
	if err := s.StoreCurrent("p", "wh_base", "whsec_base", 0, now); err != nil {
		t.Fatal(err)
	}
	const n = 8
	holdFirstCommit(s, n-1)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("wh_%02d", i)
			errs[i] = s.UpdateWebhookSecrets("p", id, func(ws *WebhookSecrets) error {
				base, err := s.WebhookSecrets("p", "wh_base")
				if err != nil {
					return err
				}
				if _, err := s.WebhookIDs("p"); err != nil {
					return err
				}
				ws.Current = &SecretEntry{Value: base.Current.Value + "_" + id, StoredAt: now}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
}
