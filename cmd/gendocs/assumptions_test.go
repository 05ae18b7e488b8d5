package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
)

// TestAssumptionsGuideCurrent: docs/guides/provider-assumptions.md is what
// the providers declare now (scripts/test.sh checks the same after
// regenerating everything).
func TestAssumptionsGuideCurrent(t *testing.T) {
	var b strings.Builder
	if err := renderAssumptions(&b, providers.All()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", AssumptionsPath))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != b.String() {
		t.Errorf("%s is stale: run `go run ./cmd/gendocs` and commit it", AssumptionsPath)
	}
}

// TestAssumptionsRender: every declared fact becomes a row naming its check.
func TestAssumptionsRender(t *testing.T) {
	var b strings.Builder
	spec := provider.Spec{Name: "x", Title: "X", Assumptions: []provider.Assumption{
		{Fact: "a | b", Default: "d", Source: "s", Confidence: provider.ConfidenceINF, Override: "base-url", Check: "list"},
		{Fact: "p", Default: "d", Source: "s", Confidence: provider.ConfidenceINF, Override: "read-path", Check: "read-path", Probe: "GET /v1 | /v3"},
		{Fact: "q", Default: "d", Source: "s", Confidence: provider.ConfidenceUnknown},
		{Fact: "f", Default: "d", Source: "s", Confidence: provider.ConfidenceClosest, Avoid: "`hookctl verify --tolerance`"},
		{Fact: "e", Default: "d", Source: "s", Confidence: provider.ConfidenceINF, Avoid: "`--all-events`"},
	}}
	if err := renderAssumptions(&b, []provider.Spec{spec}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| a \\| b | d | s | INF | `--base-url` | `list` | none: doctor reports, it does not search |\n",
		"| p | d | s | INF | `--read-path` | `read-path` | GET /v1 \\| /v3 |\n",
		"| q | d | s | UNKNOWN | none | none: only a write or a real delivery shows it | none |\n",
		"| f | d | s | closest | `hookctl verify --tolerance` | none: only a write or a real delivery shows it | none |\n",
		"| e | d | s | INF | `--all-events` | none: only a write or a real delivery shows it | none |\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("row %q missing:\n%s", want, b.String())
		}
	}
}
