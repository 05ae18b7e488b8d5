package credentials

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestFileRoundtrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "hookctl")
	path := filepath.Join(dir, "credentials.json")
	f := NewFile(path)
	if f.Source() != SourceFile || f.Path() != path {
		t.Fatalf("Source %s, Path %s", f.Source(), f.Path())
	}
	if _, err := f.Get("p/api-key"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get without a file: %v, want ErrNotFound", err)
	}
	if err := f.Delete("p/api-key"); err != nil {
		t.Fatalf("Delete without a file: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Delete of nothing created %s", dir)
	}
	big := strings.Repeat("🔑", 40000) // no size limit beyond the keyring's
	for _, kv := range [][2]string{{"p/api-key", "k1"}, {"p/api-key", "k2"}, {"p/webhook/wh_ü", "sécret\n"}, {"q/rsa-key", big}} {
		if err := f.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
		if v, err := f.Get(kv[0]); err != nil || v != kv[1] {
			t.Fatalf("Get(%s) = %.20q, %v", kv[0], v, err)
		}
	}
	if err := f.Delete("p/api-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get("p/api-key"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if v, err := NewFile(path).Get("p/webhook/wh_ü"); err != nil || v != "sécret\n" {
		t.Fatalf("a second backend over the file reads %q, %v", v, err)
	}
	// Atomic writes leave no temp files behind.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"credentials.json", "credentials.json.lock"}; !slices.Equal(names, want) {
		t.Fatalf("directory holds %v, want %v", names, want)
	}
}

func TestFileCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, []byte(`{"p/a": "x"`), 0o600); err != nil {
		t.Fatal(err)
	}
	f := NewFile(path)
	if _, err := f.Get("p/a"); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("Get = %v, want a corrupt-file error naming %s", err, path)
	}
	if err := f.Set("p/b", "y"); err == nil {
		t.Fatal("Set over a corrupt file succeeded (and would have dropped its contents)")
	}
	if b, _ := os.ReadFile(path); string(b) != `{"p/a": "x"` {
		t.Fatalf("corrupt file rewritten: %q", b)
	}
}

// Two goroutines, each with its own backend, writing different keys: the
// lock makes every read-modify-write see the other's writes.
func TestFileConcurrentGoroutines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.json")
	const n = 40
	var wg sync.WaitGroup
	for _, prefix := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := NewFile(path)
			for i := range n {
				if err := f.Set(fmt.Sprintf("%s/k%d", prefix, i), strconv.Itoa(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	assertAllKeys(t, path, []string{"a", "b"}, n)
}

// Two hookctl processes writing the same file lose nothing.
func TestFileConcurrentProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.json")
	const n = 40
	var cmds []*strings.Builder
	var wg sync.WaitGroup
	for _, prefix := range []string{"a", "b"} {
		cmd := helperCmd(t.Context(), "file-writer", nil, "HELPER_FILE="+path, "HELPER_PREFIX="+prefix, "HELPER_N="+strconv.Itoa(n))
		out := new(strings.Builder)
		cmd.Stdout, cmd.Stderr = out, out
		cmds = append(cmds, out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cmd.Wait(); err != nil {
				t.Errorf("writer %s: %v\n%s", prefix, err, out)
			}
		}()
	}
	wg.Wait()
	assertAllKeys(t, path, []string{"a", "b"}, n)
}

// fileWriterHelper is the other process of TestFileConcurrentProcesses.
func fileWriterHelper() int {
	n, _ := strconv.Atoi(os.Getenv("HELPER_N"))
	f := NewFile(os.Getenv("HELPER_FILE"))
	for i := range n {
		if err := f.Set(fmt.Sprintf("%s/k%d", os.Getenv("HELPER_PREFIX"), i), strconv.Itoa(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func assertAllKeys(t *testing.T, path string, prefixes []string, n int) {
	t.Helper()
	f := NewFile(path)
	missing := 0
	for _, p := range prefixes {
		for i := range n {
			if v, err := f.Get(fmt.Sprintf("%s/k%d", p, i)); err != nil || v != strconv.Itoa(i) {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d writes lost", missing, len(prefixes)*n)
	}
}
