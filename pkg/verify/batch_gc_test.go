package verify

import (
	"runtime/debug"
	"testing"
)

// TestRaiseBatchGC: a batch run raises the GC target and sets a memory
// limit, nested runs share the raise, and the last one to end puts back
// what was there; GOGC from the environment is left alone. Not parallel:
// the settings are the process's.
func TestRaiseBatchGC(t *testing.T) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
	noEnv := func(string) string { return "" }
	current := func() (int, int64) {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p, debug.SetMemoryLimit(-1)
	}

	outer := RaiseBatchGC(noEnv)
	inner := RaiseBatchGC(noEnv)
	if p, l := current(); p != batchGCPercent || l != min(limit, batchMemoryLimit) {
		t.Errorf("during a batch: GOGC %d, limit %d; want %d, %d", p, l, batchGCPercent, min(limit, batchMemoryLimit))
	}
	inner()
	if p, _ := current(); p != batchGCPercent {
		t.Errorf("after the inner run: GOGC %d, want %d while the outer one runs", p, batchGCPercent)
	}
	outer()
	if p, l := current(); p != 100 || l != limit {
		t.Errorf("after the batch: GOGC %d, limit %d; want 100, %d", p, l, limit)
	}

	debug.SetGCPercent(50)
	restore := RaiseBatchGC(func(k string) string { return map[string]string{"GOGC": "50"}[k] })
	if p, l := current(); p != 50 || l != limit {
		t.Errorf("with GOGC=50: GOGC %d, limit %d; want 50, %d", p, l, limit)
	}
	restore()
}
