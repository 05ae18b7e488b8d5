package pexa

import (
	"fmt"
	"maps"
	"slices"
)

// QuirkUKReadVersion moves the UK registrations read (the paged GET,
// whose UK path PEXA's portal does not show) to another API version:
// "1", "2" (the default, as AU) or "3". The other versions' GET then
// answers 404, as a tenant without that read would.
const QuirkUKReadVersion = "uk-read-version"

var quirkNames = []string{QuirkUKReadVersion}

// SetQuirks implements emulator.Quirker.
func (e *Emulator) SetQuirks(q map[string]string) error {
	version := "2"
	for _, k := range slices.Sorted(maps.Keys(q)) {
		v := q[k]
		switch k {
		case QuirkUKReadVersion:
			if v != "1" && v != "2" && v != "3" {
				return fmt.Errorf("pexa quirk %s: %q is not 1, 2 or 3", k, v)
			}
			version = v
		default:
			return fmt.Errorf("pexa has no quirk %q (it has %v)", k, quirkNames)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ukReadVersion = version
	return nil
}

// readVersion is the API version whose GET reads registrations in region.
func (e *Emulator) readVersion(region string) string {
	if region != RegionUK {
		return "2"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ukReadVersion == "" {
		return "2"
	}
	return e.ukReadVersion
}
