package main

import (
	"strings"
	"testing"
)

func TestForbiddenSkipFails(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:9: openssl not installed\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestA"}`,
		`{"Action":"run","Package":"p","Test":"TestB"}`,
		`{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: runs the binary ~60 times\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestB"}`,
		`{"Action":"run","Package":"p","Test":"TestC"}`,
		`{"Action":"output","Package":"p","Test":"TestC","Output":"boom\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestC"}`,
		`{"Action":"output","Package":"p","Output":"FAIL\tp\t0.1s\n"}`,
		`{"Action":"fail","Package":"p"}`,
	}, "\n")
	var out strings.Builder
	r, err := run(strings.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.badSkips) != 1 || !strings.Contains(r.badSkips[0], "TestA") {
		t.Errorf("bad skips %v, want TestA only", r.badSkips)
	}
	if r.skipped != 2 || !r.failed || len(r.failedList) != 1 {
		t.Errorf("report %+v", r)
	}
	if !strings.Contains(out.String(), "boom") || !strings.Contains(out.String(), "FAIL\tp") || strings.Contains(out.String(), "runs the binary") {
		t.Errorf("output:\n%s", out.String())
	}
}
