//go:build unix

package fsafe

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenFileRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err := OpenFile(link, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if !errors.Is(err, ErrSymlink) {
		t.Fatalf("OpenFile(symlink) = %v, want ErrSymlink", err)
	}
	b, _ := os.ReadFile(target)
	fi, _ := os.Stat(target)
	if string(b) != "keep" || fi.Mode().Perm() != 0o644 {
		t.Fatalf("the link's target changed: %q %v", b, fi.Mode())
	}
	f, err := OpenFile(filepath.Join(dir, "plain"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatalf("plain file: %v", err)
	}
	f.Close()
}

func TestCheckDirAndFile(t *testing.T) {
	dir := t.TempDir()
	if err := CheckDir(filepath.Join(dir, "missing"), false); err != nil {
		t.Fatalf("missing dir: %v", err)
	}
	priv := filepath.Join(dir, "priv")
	if err := os.Mkdir(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := CheckDir(priv, false); err != nil {
		t.Fatalf("0700 dir: %v", err)
	}
	open := filepath.Join(dir, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := CheckDir(open, false); err == nil {
		t.Fatal("a world-writable directory passed")
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(priv, link); err != nil {
		t.Fatal(err)
	}
	if err := CheckDir(link, false); !errors.Is(err, ErrSymlink) {
		t.Fatalf("linked dir without followLink: %v", err)
	}
	if err := CheckDir(link, true); err != nil {
		t.Fatalf("linked dir with followLink: %v", err)
	}
	file := filepath.Join(priv, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(file); err != nil {
		t.Fatalf("0600 file: %v", err)
	}
	if err := os.Chmod(file, 0o620); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(file); err == nil {
		t.Fatal("a group-writable file passed")
	}
	flink := filepath.Join(priv, "flink")
	if err := os.Symlink(file, flink); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(flink); !errors.Is(err, ErrSymlink) {
		t.Fatalf("file link: %v", err)
	}
	if os.Geteuid() == 0 {
		// Root can chown: a file of another user must be refused.
		other := filepath.Join(priv, "other")
		if err := os.WriteFile(other, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 12345, 12345); err != nil {
			t.Fatal(err)
		}
		if err := CheckFile(other); err == nil {
			t.Fatal("a file owned by another user passed")
		}
	}
}

// Both writes replace the file whole, with the mode asked for whatever
// the umask and the old file's, and leave no temporary file behind.
func TestWriteFileAndWriteCache(t *testing.T) {
	for name, write := range map[string]func(string, []byte, os.FileMode) error{"WriteFile": WriteFile, "WriteCache": WriteCache} {
		dir := t.TempDir()
		path := filepath.Join(dir, "f.json")
		if err := os.WriteFile(path, []byte("an older and longer content"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := write(path, []byte("new"), 0o600); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := os.ReadFile(path)
		fi, _ := os.Stat(path)
		if err != nil || string(b) != "new" || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: file %q (%v), mode %v", name, b, err, fi.Mode())
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%s left %d files in the directory", name, len(ents))
		}
	}
}
