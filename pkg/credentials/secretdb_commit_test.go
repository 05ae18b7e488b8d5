package credentials

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSecretDBOneCommitPerStoredSecret: storing a secret is one write
// transaction (one fsync) and reading one is none, whatever came before in
// the process. Each commit is a disk flush; a rotation of 1,000
// registrations pays for every extra one.
func TestSecretDBOneCommitPerStoredSecret(t *testing.T) {
	s := openIn(t, StorageFile, t.TempDir())
	now := time.Now()
	if err := s.StoreCurrent("p", "wh_first", "whsec_first", 0, now); err != nil {
		t.Fatal(err) // creates the layout and the data key
	}
	commits := func(what string, want int64, fn func() error) {
		t.Helper()
		before := s.sdb.commits.Load()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := s.sdb.commits.Load() - before; got != want {
			t.Errorf("%s: %d write transactions, want %d", what, got, want)
		}
	}
	commits("read", 0, func() error { _, err := s.WebhookSecrets("p", "wh_first"); return err })
	commits("read of an absent id", 0, func() error { _, err := s.WebhookSecrets("p", "wh_none"); return err })
	commits("list", 0, func() error { _, err := s.WebhookIDs("p"); return err })
	commits("store a new id", 1, func() error { return s.StoreCurrent("p", "wh_2", "whsec_2", 0, now) })
	commits("rotate an id", 1, func() error { return s.StoreCurrent("p", "wh_2", "whsec_3", time.Hour, now) })

	// The same holds while another operation keeps the db open.
	if _, _, err := s.acquire(); err != nil {
		t.Fatal(err)
	}
	defer s.release()
	commits("store with the db open", 1, func() error { return s.StoreCurrent("p", "wh_4", "whsec_4", 0, now) })
	commits("read with the db open", 0, func() error { _, err := s.WebhookSecrets("p", "wh_4"); return err })
}

// TestSecretDBConcurrentStoresShareCommits: stores that arrive while a
// commit is under way go into the next commit together (group commit),
// each is durable when its call returns, and one caller's failure leaves
// the others' writes in.
func TestSecretDBConcurrentStoresShareCommits(t *testing.T) {
	s := openIn(t, StorageFile, t.TempDir())
	now := time.Now()
	if err := s.StoreCurrent("p", "wh_first", "whsec_first", 0, now); err != nil {
		t.Fatal(err)
	}
	const n = 32
	holdFirstCommit(s, n-1)
	before := s.sdb.commits.Load()
	refused := errors.New("refused by the caller")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("wh_%02d", i)
			errs[i] = s.UpdateWebhookSecrets("p", id, func(ws *WebhookSecrets) error {
				if i == 7 {
					return refused
				}
				ws.Current = &SecretEntry{Value: "whsec_" + id, StoredAt: now}
				return nil
			})
		}()
	}
	wg.Wait()
	if got := s.sdb.commits.Load() - before; got != 2 {
		t.Errorf("%d concurrent stores took %d commits, want 2 (the held one, then all the others together)", n, got)
	}
	// Every store is durable: a fresh store over the same files reads it.
	fresh := openIn(t, StorageFile, filepath.Dir(s.sdb.path))
	for i := range n {
		id := fmt.Sprintf("wh_%02d", i)
		ws, err := fresh.WebhookSecrets("p", id)
		if i == 7 {
			if !errors.Is(errs[i], refused) || ws.Current != nil || err != nil {
				t.Errorf("%s: error %v, stored %+v, read error %v; want the caller's error and nothing stored", id, errs[i], ws.Current, err)
			}
			continue
		}
		if errs[i] != nil || err != nil || ws.Current == nil || ws.Current.Value != "whsec_"+id {
			t.Errorf("%s: store error %v, read %+v, %v", id, errs[i], ws.Current, err)
		}
	}
}

// TestSecretDBLegacyLookupOncePerAbsentID: with the keyring, a
// registration the db lacks may still have an entry of the old layout
// (written before the index). Rotating it (read, then store) asks the
// keyring once, not once per call, and not inside the db's write
// transaction, where every other writer would wait for the D-Bus round
// trip; once the db holds the id, the keyring is not asked again.
func TestSecretDBLegacyLookupOncePerAbsentID(t *testing.T) {
	f := newFakeKeyring()
	s := New(testKeyring(f, time.Second), func(string) string { return "" })
	dir := t.TempDir()
	s.sdb = &secretDB{stateDir: func() (string, error) { return dir, nil }, wait: time.Second}
	// An old-layout entry for wh_old, none for wh_new.
	if err := s.backend.Set(Key("p", secretName("wh_old")), `{"current":{"value":"whsec_old","stored_at":"2026-01-02T03:04:05Z"}}`); err != nil {
		t.Fatal(err)
	}
	seeded := len(f.calls())
	lookups := func(id string) int {
		n := 0
		for _, c := range f.calls()[seeded:] {
			if c == "get "+Key("p", secretName(id)) {
				n++
			}
		}
		return n
	}
	now := time.Now()
	for _, id := range []string{"wh_old", "wh_new"} {
		if _, err := s.WebhookSecrets("p", id); err != nil {
			t.Fatal(err)
		}
		if err := s.StoreCurrent("p", id, "whsec_next_"+id, time.Hour, now); err != nil {
			t.Fatal(err)
		}
		if err := s.StoreCurrent("p", id, "whsec_again_"+id, time.Hour, now); err != nil {
			t.Fatal(err)
		}
		if n := lookups(id); n != 1 {
			t.Errorf("%s: the keyring was asked %d times for the old entry, want 1", id, n)
		}
	}
	ws, err := s.WebhookSecrets("p", "wh_old")
	if err != nil || ws.Current.Value != "whsec_again_wh_old" || ws.Previous == nil || ws.Previous.Value != "whsec_next_wh_old" {
		t.Fatalf("wh_old after two rotations: %+v, %v", ws, err)
	}
	if _, ok := f.raw(Key("p", secretName("wh_old"))); ok {
		t.Error("the old entry of wh_old is still in the keyring after the db took it")
	}
	for _, c := range f.calls()[seeded:] {
		if strings.HasPrefix(c, "set p/webhook/") {
			t.Errorf("a webhook secret went to the keyring: %s", c)
		}
	}
}

// TestSecretDBLeaderHandsOver: the writer that led a commit returns once
// its own write is durable and hands the lead to a queued writer, instead
// of committing for others while its caller (a rotation) waits. The
// second commit here waits for the first leader's call to return; a
// leader that kept the lead would be the one waiting, for ever.
func TestSecretDBLeaderHandsOver(t *testing.T) {
	s := openIn(t, StorageFile, t.TempDir())
	now := time.Now()
	if err := s.StoreCurrent("p", "wh_first", "whsec_first", 0, now); err != nil {
		t.Fatal(err)
	}
	const n = 8
	firstHeld := make(chan struct{})
	release := make(chan struct{})
	leaderDone := make(chan struct{})
	commits := 0
	s.sdb.beforeCommit = func(int) {
		commits++
		switch commits {
		case 1:
			close(firstHeld)
			<-release
		case 2:
			select {
			case <-leaderDone:
			case <-time.After(10 * time.Second):
				t.Error("the first leader did not return before the next commit: it kept the lead")
			}
		}
	}
	errs := make(chan error, n)
	go func() {
		err := s.StoreCurrent("p", "wh_lead", "whsec_lead", 0, now)
		close(leaderDone)
		errs <- err
	}()
	<-firstHeld
	for i := range n - 1 {
		go func() { errs <- s.StoreCurrent("p", fmt.Sprintf("wh_%d", i), "whsec", 0, now) }()
	}
	for s.sdb.queued() < n-1 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if commits != 2 {
		t.Errorf("%d commits, want 2", commits)
	}
	if ids, err := s.WebhookIDs("p"); err != nil || len(ids) != n+1 {
		t.Errorf("%d ids stored (%v), want %d", len(ids), err, n+1)
	}
}

// holdFirstCommit makes s's next commit wait until queued writers wait
// behind it, so that they all go into the commit after it.
func holdFirstCommit(s *Store, queued int) {
	release := make(chan struct{})
	var once sync.Once
	s.sdb.beforeCommit = func(int) { once.Do(func() { <-release }) }
	go func() {
		for s.sdb.queued() < queued {
			time.Sleep(time.Millisecond)
		}
		close(release)
	}()
}
