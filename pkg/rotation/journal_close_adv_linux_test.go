package rotation

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// fdOf is this process's descriptor open on path (the journal's file,
// which its package keeps to itself), or -1.
func fdOf(path string) int {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == path {
			if n, err := strconv.Atoi(fd.Name()); err == nil {
				return n
			}
		}
	}
	return -1
}

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
	journalFD := -1
	o.Progress = func(done, total, failed int) {
		if done == 3 {
			// Every done is written: make the journal's flush fail.
			if journalFD < 0 {
				journalFD = fdOf(e.journal.Path())
			}
			if err := syscall.Dup3(int(w.Fd()), journalFD, 0); err != nil {
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
