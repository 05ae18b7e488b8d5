package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/base/fsafe"
)

// idCacheTTL bounds how stale completed ids may be; completion never calls
// the network, it reads what the last `list` saw.
const idCacheTTL = 24 * time.Hour

// idCacheRefresh is the age after which a list rewrites a cache that holds
// the ids it saw; a younger one is left alone, because replacing the file
// costs about 1 ms of every list (ext4 starts writing out a file renamed
// over another). The cache may then expire up to this much early.
const idCacheRefresh = time.Hour

func idCachePath(f *Factory, profile string) (string, error) {
	dir, err := f.StateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "cache", "ids-"+profile+".json"), nil
}

type idCache struct {
	At  time.Time `json:"at"`
	IDs []string  `json:"ids"`
}

// saveIDCache remembers ids for completion; failures are ignored because a
// cache must never break a command, and it is not synced to disk: after a
// crash completion offers stale ids or none.
func saveIDCache(f *Factory, profile string, ids []string) {
	path, err := idCachePath(f, profile)
	if err != nil {
		return
	}
	if old, ok := readIDCache(path); ok && slices.Equal(old.IDs, ids) && time.Since(old.At) < idCacheRefresh {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	b, _ := json.Marshal(idCache{At: time.Now().UTC(), IDs: ids})
	_ = fsafe.WriteCache(path, b, 0o600)
}

// readIDCache reads the cache at path; ok is false when there is none or
// it cannot be parsed.
func readIDCache(path string) (idCache, bool) {
	var cache idCache
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &cache) != nil {
		return idCache{}, false
	}
	return cache, true
}

func completeIDs(f *Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if err := f.resolveGlobals(c); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		p, _, err := f.Profile()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		path, err := idCachePath(f, p.Name)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cache, ok := readIDCache(path)
		if !ok || time.Since(cache.At) > idCacheTTL {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, id := range cache.IDs {
			if !slices.Contains(args, id) {
				out = append(out, id)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func completeProfiles(f *Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if err := f.resolveGlobals(c); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cfg, err := f.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return cfg.Names(), cobra.ShellCompDirectiveNoFileComp
	}
}

func completeEvents(f *Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if err := f.resolveGlobals(c); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		prov, _, err := f.Provider()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cat, err := prov.Events(c.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, e := range cat.Events {
			out = append(out, e.Name)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
