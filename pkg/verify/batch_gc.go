package verify

import (
	"math"
	"runtime/debug"
	"sync"
)

// The garbage collector's target during `verify --batch`.
//
// A batch run keeps nothing per entry: each result is written out and
// dropped (the output line's buffer, the decoder's buffers and the
// request are reused), so its live heap is what start-up built plus the
// scanner's buffer and the decoder's scratch, which grow to the longest
// line (at most 2*MaxBody), plus one set of keys per distinct "id"
// in the file. About 1 MiB for 100,000 Solvimon lines (GODEBUG=gctrace=1),
// while each entry leaves some 800 bytes of garbage: at the default GOGC
// the heap goal stays at its 4 MiB minimum and the collector ran about 36
// times per 100,000 entries, its fixed costs per cycle (waking workers,
// rescanning, freshly faulted spans) being about a tenth of the run's CPU
// time. Doubling the target doubles the minimum goal too: 12 cycles, for
// 3 MiB more peak RSS.
//
// The memory limit keeps the raise from costing memory on a file of huge
// lines: the largest live heap a batch can have is some 256 MiB (a 64 MiB
// line that encoding/json decodes, with its body copied), at which the
// default target lets the heap reach 512 MiB, so the limit only binds
// where the raise would go beyond what the default allows.
const (
	batchGCPercent   = 200
	batchMemoryLimit = 512 << 20
)

// batchGC counts the batch runs in progress (tests run several in one
// process) and holds the settings to put back when the last one ends.
var batchGC struct {
	sync.Mutex
	runs    int
	percent int
	limit   int64
}

// RaiseBatchGC sets the batch target unless GOGC (from getenv) chooses for
// the user, and a memory limit unless GOMEMLIMIT already set one; restore
// puts back what was there.
func RaiseBatchGC(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	batchGC.Lock()
	defer batchGC.Unlock()
	if batchGC.runs == 0 {
		batchGC.percent = debug.SetGCPercent(batchGCPercent)
		batchGC.limit = debug.SetMemoryLimit(-1)
		if batchGC.limit == math.MaxInt64 {
			debug.SetMemoryLimit(batchMemoryLimit)
		}
	}
	batchGC.runs++
	return func() {
		batchGC.Lock()
		defer batchGC.Unlock()
		if batchGC.runs--; batchGC.runs == 0 {
			debug.SetGCPercent(batchGC.percent)
			debug.SetMemoryLimit(batchGC.limit)
		}
	}
}
