package cmd_test

import (
	"testing"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/pkg/output"
)

// TestNewCmdStrictEvents: --strict-events reaches register's and update's
// options as nil when not given (the profile's setting decides), else as
// given, --strict-events=false included.
func TestNewCmdStrictEvents(t *testing.T) {
	io, _, _, _ := output.Test()
	f := cmd.NewFactory(io, func(string) string { return "" }, "test")
	for _, tc := range []struct {
		flags []string
		want  *bool
	}{{nil, nil}, {[]string{"--strict-events"}, ptr(true)}, {[]string{"--strict-events=false"}, ptr(false)}, {[]string{"--strict-events=true"}, ptr(true)}} {
		var reg *cmd.RegisterOptions
		c := cmd.NewCmdRegister(f, func(o *cmd.RegisterOptions) error { reg = o; return nil })
		c.SetArgs(append([]string{"--url", "https://h.example/x", "--event", "E"}, tc.flags...))
		if err := c.Execute(); err != nil {
			t.Fatal(err)
		}
		var upd *cmd.UpdateOptions
		u := cmd.NewCmdUpdate(f, func(o *cmd.UpdateOptions) error { upd = o; return nil })
		u.SetArgs(append([]string{"wh_1", "--add-event", "E"}, tc.flags...))
		if err := u.Execute(); err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]*bool{"register": reg.StrictEvents, "update": upd.StrictEvents} {
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("%s %v: StrictEvents %v, want %v", name, tc.flags, deref(got), deref(tc.want))
			}
		}
	}
}

func ptr(b bool) *bool { return &b }

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
