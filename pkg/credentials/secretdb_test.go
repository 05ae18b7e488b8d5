package credentials

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hookctl/hookctl/pkg/webhook"
)

func openIn(t *testing.T, storage, dir string) *Store {
	t.Helper()
	s, err := OpenIn(storage, dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSecretDBSealsListsAndForgets(t *testing.T) {
	dir := t.TempDir()
	s := openIn(t, StorageFile, dir)
	now := time.Now()
	for _, id := range []string{"wh_1", "wh_2"} {
		if err := s.StoreCurrent("p", id, "whsec_"+id+"_value", 0, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.StoreCurrent("p", "wh_1", "whsec_wh_1_next", time.Hour, now); err != nil {
		t.Fatal(err)
	}
	ws, err := s.WebhookSecrets("p", "wh_1")
	if err != nil || ws.Current == nil || ws.Current.Value != "whsec_wh_1_next" || ws.Previous == nil || ws.Previous.Value != "whsec_wh_1_value" {
		t.Fatalf("read back %+v, %v", ws, err)
	}
	if ids, err := s.WebhookIDs("p"); err != nil || !slices.Equal(ids, []string{"wh_1", "wh_2"}) {
		t.Fatalf("WebhookIDs = %v, %v", ids, err)
	}
	db := SecretDBPath(dir)
	fi, err := os.Stat(db)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret db: %v, mode %v", err, fi.Mode())
	}
	// Sealed on disk; the credentials file holds the data key, no secret.
	rawDB, _ := os.ReadFile(db)
	rawFile, _ := os.ReadFile(filepath.Join(dir, "credentials.json"))
	for name, raw := range map[string][]byte{"db": rawDB, "credentials file": rawFile} {
		if bytes.Contains(raw, []byte("whsec_")) {
			t.Errorf("the %s holds a webhook secret in clear", name)
		}
	}
	if !bytes.Contains(rawFile, []byte(`"data-key/`)) {
		t.Errorf("the credentials file holds no data key: %s", rawFile)
	}
	loc, err := s.WebhookSecretsLocation()
	if err != nil || loc.Store != "db" || loc.Path != db || !strings.Contains(loc.DataKey, "hookctl/data-key/") {
		t.Fatalf("location %+v, %v", loc, err)
	}

	if err := s.DeleteWebhookSecrets("p", "wh_1"); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.WebhookIDs("p"); !slices.Equal(ids, []string{"wh_2"}) {
		t.Fatalf("after delete: %v", ids)
	}
	if err := s.ForgetProfile("p"); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.WebhookIDs("p"); err != nil || len(ids) != 0 {
		t.Fatalf("after ForgetProfile: %v, %v", ids, err)
	}
}

func TestSecretDBValueBoundToRegistration(t *testing.T) {
	dir := t.TempDir()
	s := openIn(t, StorageFile, dir)
	if err := s.StoreCurrent("p", "wh_1", "whsec_one", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Copy the sealed value under another id and another profile.
	db, err := bbolt.Open(SecretDBPath(dir), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		profiles := tx.Bucket(dbBucketProfiles)
		v := slices.Clone(profiles.Bucket([]byte("p")).Get([]byte("wh_1")))
		if err := profiles.Bucket([]byte("p")).Put([]byte("wh_2"), v); err != nil {
			return err
		}
		q, err := profiles.CreateBucket([]byte("q"))
		if err != nil {
			return err
		}
		return q.Put([]byte("wh_1"), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, pi := range [][2]string{{"p", "wh_2"}, {"q", "wh_1"}} {
		if _, err := s.WebhookSecrets(pi[0], pi[1]); err == nil || !strings.Contains(err.Error(), "do not open") {
			t.Errorf("%s/%s: a value sealed for p/wh_1 opened: %v", pi[0], pi[1], err)
		}
	}
	if ws, err := s.WebhookSecrets("p", "wh_1"); err != nil || ws.Current.Value != "whsec_one" {
		t.Fatalf("the original no longer opens: %v", err)
	}
}

func TestSecretDBMissingDataKeyRefused(t *testing.T) {
	dir := t.TempDir()
	if err := openIn(t, StorageFile, dir).StoreCurrent("p", "wh_1", "whsec_one", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	f := NewFile(filepath.Join(dir, "credentials.json"))
	keys, _ := f.Keys()
	for _, k := range keys {
		if strings.HasPrefix(k, "data-key/") {
			if err := f.Delete(k); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := openIn(t, StorageFile, dir)
	_, err := s.WebhookSecrets("p", "wh_1")
	if webhook.KindOf(err) != webhook.KindStorage || !strings.Contains(err.Error(), "data key") {
		t.Fatalf("read without the data key: want a storage error (exit 1, not the credentials' 4) naming the key, got %v", err)
	}
	if err := s.StoreCurrent("p", "wh_2", "whsec_two", 0, time.Now()); webhook.KindOf(err) != webhook.KindStorage {
		t.Fatalf("write without the data key: %v", err)
	}
	keys, _ = f.Keys()
	if slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, "data-key/") }) {
		t.Fatal("a new data key was made over sealed secrets")
	}
}

// assertFlatWriteCost checks that storing a secret into a store that
// holds 999 costs about what storing one into an empty store does (a
// ratio of medians under 3×, not a time). The two stores take writes in
// turn, small, large, small, ..., so a burst of load on the machine hits
// both alike instead of one phase of the measurement.
func assertFlatWriteCost(t *testing.T, small, large *Store, profile string) {
	t.Helper()
	const k, n = 15, 1000
	// Fill the large store up to n-1 entries in one transaction: the test
	// is about the cost at that size, not about how the entries got there.
	db, a, err := large.acquire()
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := profileBucket(tx, profile, true)
		if err != nil {
			return err
		}
		for i := range n - 1 {
			id := fmt.Sprintf("fill_%04d", i)
			v, err := seal(a, profile, id, []byte(fmt.Sprintf(`{"current":{"value":"whsec_%d"}}`, i)))
			if err != nil {
				return err
			}
			if err := b.Put([]byte(id), v); err != nil {
				return err
			}
		}
		return nil
	})
	large.release()
	if err != nil {
		t.Fatal(err)
	}
	store := func(s *Store, i int) time.Duration {
		t0 := time.Now()
		if err := s.StoreCurrent(profile, fmt.Sprintf("wh_%04d", i), fmt.Sprintf("whsec_%d", i), 0, time.Now()); err != nil {
			t.Fatal(err)
		}
		return time.Since(t0)
	}
	var first, last []time.Duration
	for i := range k {
		first = append(first, store(small, i))
		last = append(last, store(large, i))
	}
	for name, s := range map[string]*Store{"small": small, "large": large} {
		ids, err := s.WebhookIDs(profile)
		want := k
		if name == "large" {
			want += n - 1
		}
		if err != nil || len(ids) != want {
			t.Fatalf("%s store: %d secrets stored, want %d (%v)", name, len(ids), want, err)
		}
	}
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	ratio := float64(median(last)) / float64(median(first))
	t.Logf("store cost: %v into an empty store, %v into one holding %d: ratio %.2f", median(first), median(last), n-1, ratio)
	if ratio > 3 {
		t.Fatalf("storing the %dth secret costs %.1f× storing the first (want < 3×)", n, ratio)
	}
}

func TestSecretDBWriteCostFlatFile(t *testing.T) {
	assertFlatWriteCost(t, openIn(t, StorageFile, t.TempDir()), openIn(t, StorageFile, t.TempDir()), "p")
}

// seedOldLayout writes n webhook secret sets of profile the way hookctl did
// before the secret db: one backend entry each, named in the index.
func seedOldLayout(t *testing.T, b Backend, profile string, n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	var names []string
	if f, ok := b.(*File); ok {
		m := map[string]string{Key(profile, "api-key"): "sk_keep"}
		for i := range n {
			id := fmt.Sprintf("wh_%04d", i)
			want[id] = fmt.Sprintf("whsec_old_%d", i)
			m[Key(profile, secretName(id))] = fmt.Sprintf(`{"current":{"value":%q,"stored_at":"2024-01-01T00:00:00Z"}}`, want[id])
			names = append(names, secretName(id))
		}
		idx, _ := json.Marshal(append(names, "api-key"))
		m[Key(profile, indexName)] = string(idx)
		raw, _ := json.Marshal(m)
		if err := os.WriteFile(f.Path(), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		return want
	}
	old := New(b, func(string) string { return "" })
	for i := range n {
		id := fmt.Sprintf("wh_%04d", i)
		want[id] = fmt.Sprintf("whsec_old_%d", i)
		if err := old.StoreCurrent(profile, id, want[id], 0, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Set(profile, "api-key", "sk_keep"); err != nil {
		t.Fatal(err)
	}
	return want
}

// assertMigrated checks that every secret of want is in the db, that the
// old entries are gone from the backend and the index, and that other
// credentials stayed.
func assertMigrated(t *testing.T, s *Store, profile string, want map[string]string) {
	t.Helper()
	ids, err := s.WebhookIDs(profile)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	if len(ids) != len(want) {
		t.Fatalf("%d registrations in the db, want %d", len(ids), len(want))
	}
	for id, v := range want {
		ws, err := s.WebhookSecrets(profile, id)
		if err != nil || ws.Current == nil || ws.Current.Value != v {
			t.Fatalf("%s: %+v, %v (want %s)", id, ws, err, v)
		}
		if _, err := s.backend.Get(Key(profile, secretName(id))); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: the old entry is still there (%v)", id, err)
		}
	}
	names, err := s.Names(profile)
	if err != nil || !slices.Equal(names, []string{"api-key"}) {
		t.Fatalf("index after migration: %v, %v", names, err)
	}
	if v, err := s.Get(profile, "api-key"); err != nil || v != "sk_keep" {
		t.Fatalf("api-key after migration: %q, %v", v, err)
	}
}

func TestSecretDBMigratesOldFileLayout(t *testing.T) {
	dir := t.TempDir()
	want := seedOldLayout(t, NewFile(filepath.Join(dir, "credentials.json")), "p", 100)
	assertMigrated(t, openIn(t, StorageFile, dir), "p", want)
	raw, _ := os.ReadFile(filepath.Join(dir, "credentials.json"))
	if bytes.Contains(raw, []byte("whsec_old")) {
		t.Fatal("the credentials file still holds webhook secrets")
	}
}

// migrateHelper migrates HELPER_PROFILE's secrets in HELPER_DIR and, when
// the HELPER_STOP_AT-th durable step is reached, prints it and waits to be
// killed; a run that reaches the end prints "done".
func migrateHelper() int {
	s, err := OpenIn(os.Getenv("HELPER_STORAGE"), os.Getenv("HELPER_DIR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	stop, _ := strconv.Atoi(os.Getenv("HELPER_STOP_AT"))
	if n, err := strconv.Atoi(os.Getenv("HELPER_BATCH")); err == nil {
		migrateBatchSize = n
	}
	steps := 0
	s.sdb.afterMigrateStep = func(step string) {
		if steps++; steps == stop {
			fmt.Println(step)
			time.Sleep(time.Minute) // killed here
		}
	}
	if _, err := s.WebhookIDs(os.Getenv("HELPER_PROFILE")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("done")
	return 0
}

// migrateWithKills runs the migration in child processes killed (SIGKILL)
// at random durable steps, then once to the end, and checks nothing was
// lost.
func migrateWithKills(t *testing.T, storage, dir, profile string, want map[string]string, kills, batch int) {
	t.Helper()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	run := func(stopAt int) string {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := helperCmd(ctx, "migrate", nil, "HELPER_STORAGE="+storage, "HELPER_DIR="+dir,
			"HELPER_PROFILE="+profile, "HELPER_STOP_AT="+strconv.Itoa(stopAt), "HELPER_BATCH="+strconv.Itoa(batch))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if stopAt > 0 {
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
		err = cmd.Wait()
		if stopAt == 0 && err != nil {
			t.Fatalf("the final migration run failed: %v", err)
		}
		return strings.TrimSpace(line)
	}
	// What a run will find to migrate: the file's entries, or the index.
	left := func() int {
		var names []string
		if storage == StorageFile {
			keys, _ := NewFile(filepath.Join(dir, "credentials.json")).Keys()
			for _, k := range keys {
				if n, ok := strings.CutPrefix(k, profile+"/"); ok {
					names = append(names, n)
				}
			}
		} else {
			names, _ = New(NewKeyring(0), nil).Names(profile)
		}
		n := 0
		for _, name := range names {
			if strings.HasPrefix(name, secretName("")) {
				n++
			}
		}
		return n
	}
	for i := range kills {
		// Three durable steps per batch; stop within the batches left,
		// early enough to leave some for the kills to come.
		batches := (left() + batch - 1) / batch
		if batches == 0 {
			t.Fatalf("kill %d: nothing left to migrate", i+1)
		}
		step := 1 + rng.Intn(max(3*batches/(kills-i), 1))
		got := run(step)
		t.Logf("kill %d at step %d (%s)", i+1, step, got)
		if got == "" || got == "done" {
			t.Fatalf("kill %d: the helper did not stop at step %d mid-migration (%q)", i+1, step, got)
		}
	}
	if got := run(0); got != "done" {
		t.Fatalf("final run: %q", got)
	}
	assertMigrated(t, openIn(t, storage, dir), profile, want)
}

func TestSecretDBMigrationSurvivesKills(t *testing.T) {
	dir := t.TempDir()
	want := seedOldLayout(t, NewFile(filepath.Join(dir, "credentials.json")), "p", 500)
	migrateWithKills(t, StorageFile, dir, "p", want, 3, migrateBatchSize)
}

// Reading a secret writes nothing: no commit (a meta page and two syncs)
// for opening the db, so verify --id stays a read.
func TestSecretDBReadWritesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := openIn(t, StorageFile, dir).StoreCurrent("p", "wh_1", "whsec_one", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(SecretDBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	s := openIn(t, StorageFile, dir) // a new process's view: the db is opened again
	if ws, err := s.WebhookSecrets("p", "wh_1"); err != nil || ws.Current == nil || ws.Current.Value != "whsec_one" {
		t.Fatalf("read back %+v, %v", ws, err)
	}
	if after, _ := os.ReadFile(SecretDBPath(dir)); !bytes.Equal(before, after) {
		t.Fatal("reading a webhook secret changed the secret db")
	}
}
