package webhook

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRunProbes: the first accepted alternative is found and named in the
// fix; requests are counted; none accepted says what was tried; never
// more than MaxProbes.
func TestRunProbes(t *testing.T) {
	failed := Check{Name: "read-path", Status: CheckFail, Detail: "GET /a failed", Fix: "ask"}
	var sent []string
	probe := func(label string, ok bool) Probe {
		return Probe{Settings: map[string]string{"path": label}, Label: "GET " + label, Try: func(context.Context) error {
			sent = append(sent, label)
			if ok {
				return nil
			}
			return errors.New("404")
		}}
	}
	c := RunProbes(context.Background(), failed, "p1", "path", []Probe{probe("/b", false), probe("/c", true), probe("/d", true)})
	if c.Status != CheckFail || c.Found["path"] != "/c" || c.Probes != 2 || strings.Join(sent, " ") != "/b /c" {
		t.Errorf("found %v after %d probes (sent %v), status %s", c.Found, c.Probes, sent, c.Status)
	}
	if !strings.Contains(c.Fix, "GET /c works") || !strings.Contains(c.Fix, "2 read-only requests") || !strings.Contains(c.Fix, "`hookctl doctor --fix -p p1` writes `path=/c`") {
		t.Errorf("fix %q", c.Fix)
	}

	sent = nil
	var many []Probe
	for range MaxProbes + 3 {
		many = append(many, probe("/x", false))
	}
	c = RunProbes(context.Background(), failed, "p1", "path", many)
	if c.Found != nil || c.Probes != MaxProbes || len(sent) != MaxProbes {
		t.Errorf("none accepted: found %v, %d probes, %d sent; want nil, %d", c.Found, c.Probes, len(sent), MaxProbes)
	}
	if c.Fix != "ask" || !strings.Contains(c.Detail, "no alternative path works either (tried 5, read-only: GET /x;") {
		t.Errorf("none accepted: detail %q fix %q", c.Detail, c.Fix)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c = RunProbes(ctx, failed, "p1", "path", []Probe{probe("/c", true)}); c.Probes != 0 || c.Found != nil {
		t.Errorf("cancelled: %d probes, found %v", c.Probes, c.Found)
	}
}
