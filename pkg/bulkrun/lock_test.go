package bulkrun

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestLockNamesHolder(t *testing.T) {
	dir := t.TempDir()
	l, err := AcquireLock(dir, "p")
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(dir, "p")
	if err == nil || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	l.Release()
	l2, err := AcquireLock(dir, "p")
	if err != nil {
		t.Fatal(err)
	}
	l2.Release()
}
