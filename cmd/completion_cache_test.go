package cmd

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/output"
)

// A list that sees the ids the cache already holds leaves a young cache
// alone (replacing it costs ~1 ms of every list), and rewrites
// it when the ids change or it is older than idCacheRefresh.
func TestSaveIDCacheRewritesOnlyWhenNeeded(t *testing.T) {
	dir := t.TempDir()
	f := NewFactory(&output.IOStreams{}, func(k string) string {
		if k == "XDG_STATE_HOME" {
			return dir
		}
		return ""
	}, "test")
	path, err := idCachePath(f, "p")
	if err != nil {
		t.Fatal(err)
	}
	stat := func() os.FileInfo {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	saveIDCache(f, "p", []string{"a", "b"})
	first := stat()
	saveIDCache(f, "p", []string{"a", "b"})
	if !os.SameFile(first, stat()) {
		t.Error("the same ids replaced a fresh cache")
	}
	saveIDCache(f, "p", []string{"a", "b", "c"})
	if c, ok := readIDCache(path); !ok || !slices.Equal(c.IDs, []string{"a", "b", "c"}) {
		t.Fatalf("new ids not saved: %+v", c)
	}
	old, _ := json.Marshal(idCache{At: time.Now().Add(-2 * idCacheRefresh), IDs: []string{"a"}})
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	saveIDCache(f, "p", []string{"a"})
	if c, ok := readIDCache(path); !ok || time.Since(c.At) > time.Minute {
		t.Errorf("an old cache with the same ids was not refreshed: %+v", c)
	}
}
