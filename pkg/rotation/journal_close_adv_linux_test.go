package rotation

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestLazyDoneFlushFailureIsNotSilent: a rotation's final "done" is
// written without an fsync and flushed by the journal's Close. When that
// flush fails (here: fsync on a pipe, EINVAL), the run must not end as if
// the journal were settled without a word: the rotations are stored, but
// the next run may find their entries open.
func TestLazyDoneFlushFailureIsNotSilent(t *testing.T) {
	f := newFake(3)
	o, store := setup(t, f)
	o.Concurrency = 1
	var stderr bytes.Buffer
	o.Stderr = &stderr
	var e *Engine
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	go func() { // drain whatever reaches the pipe
		buf := make([]byte, 4096)
		for {
			if _, err := r.Read(buf); err != nil {
				return
			}
		}
	}()
	o.Progress = func(done, total, failed int) {
		if done == 3 {
			// Every done is written: make the journal's flush fail.
			if err := syscall.Dup3(int(w.Fd()), int(e.journal.f.Fd()), 0); err != nil {
				panic(err)
			}
		}
	}
	e, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Run(context.Background())
	if rep == nil {
		t.Fatalf("run: %v", err)
	}
	assertKnown(t, f, store)
	if err == nil && !strings.Contains(stderr.String(), "journal") {
		t.Fatalf("the journal's final flush failed, and the run said nothing (error %v, stderr %q)", err, stderr.String())
	}
}
