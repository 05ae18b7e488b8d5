// Command store measures what storing one webhook secret costs with 1 and
// with 1,000 secrets already stored, per backend, in the
// layout before the secret db (one backend entry per registration) and in
// the secret db. The keyring rows need a Secret Service (bench/run.sh runs
// this under scripts/with-keyring.sh when gnome-keyring is installed). It
// prints figures and asserts nothing.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hookctl/hookctl/pkg/credentials"
)

func main() {
	n := flag.Int("n", 1000, "secrets stored before the second measurement")
	k := flag.Int("k", 9, "stores per measurement (the median is printed)")
	// One keyring item per secret: filling 1,000 takes minutes.
	kn := flag.Int("keyring-entries-n", 200, "n for the keyring in the layout before the secret db")
	flag.Parse()
	fmt.Printf("%-8s %-10s %12s %6s %12s %7s\n", "backend", "layout", "at 1", "n", "at n", "ratio")
	for _, storage := range []string{credentials.StorageFile, credentials.StorageKeyring} {
		if storage == credentials.StorageKeyring && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			fmt.Printf("%-8s (skipped: no Secret Service; run under scripts/with-keyring.sh)\n", storage)
			continue
		}
		for _, layout := range []string{"entries", "db"} {
			size := *n
			if storage == credentials.StorageKeyring && layout == "entries" {
				size = *kn
			}
			first, last, err := measure(storage, layout, size, *k)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench/store:", storage, layout, err)
				os.Exit(1)
			}
			fmt.Printf("%-8s %-10s %12v %6d %12v %6.2f×\n", storage, layout,
				first.Round(10*time.Microsecond), size, last.Round(10*time.Microsecond), float64(last)/float64(first))
		}
	}
}

// measure returns the median cost of StoreCurrent into an empty store and
// into one holding n secrets.
func measure(storage, layout string, n, k int) (first, last time.Duration, err error) {
	dir, err := os.MkdirTemp("", "hookctl-bench-store-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	var store *credentials.Store
	switch layout {
	case "entries": // as before the secret db
		var b credentials.Backend = credentials.NewFile(filepath.Join(dir, "credentials.json"))
		if storage == credentials.StorageKeyring {
			b = credentials.NewKeyring(0)
		}
		store = credentials.New(b, func(string) string { return "" })
	default:
		if store, err = credentials.OpenIn(storage, dir); err != nil {
			return 0, 0, err
		}
	}
	profile := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	defer store.ForgetProfile(profile)
	i := 0
	median := func() (time.Duration, error) {
		var d []time.Duration
		for range k {
			t0 := time.Now()
			if err := store.StoreCurrent(profile, fmt.Sprintf("wh_%05d", i), fmt.Sprintf("whsec_%d", i), 0, time.Now()); err != nil {
				return 0, err
			}
			d = append(d, time.Since(t0))
			i++
		}
		slices.Sort(d)
		return d[k/2], nil
	}
	if first, err = median(); err != nil {
		return 0, 0, err
	}
	for i < n {
		if err := store.StoreCurrent(profile, fmt.Sprintf("wh_%05d", i), "whsec_fill", 0, time.Now()); err != nil {
			return 0, 0, err
		}
		i++
	}
	last, err = median()
	return first, last, err
}
