package fsafe

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := LockFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.File().WriteString("123\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := LockFile(path, false); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock without wait: %v, want ErrLocked", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "123\n" {
		t.Fatalf("others cannot read the holder's content: %q %v", b, err)
	}
	got := make(chan error)
	go func() {
		l2, err := LockFile(path, true)
		l2.Unlock()
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a waiting lock returned while held: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	l.Unlock()
	l.Unlock() // twice is safe
	if err := <-got; err != nil {
		t.Fatalf("waiting lock after release: %v", err)
	}
}

func TestLockFileRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "target"), filepath.Join(dir, "x.lock")); err != nil {
		t.Skip(err)
	}
	if _, err := LockFile(filepath.Join(dir, "x.lock"), false); !errors.Is(err, ErrSymlink) {
		t.Fatalf("lock through a symlink: %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("got %q %v", b, fi.Mode())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o600); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}
