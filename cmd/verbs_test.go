package cmd

// Per-verb tests in gh's style: argv → options through
// each command's runF hook, with no provider at all; and a run against a
// fake provider with stdout on a terminal and piped, output pinned. The
// end-to-end scripts (testdata/script) cover the same verbs against the
// sandbox.

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// verbFactory is a Factory for argv tests: no environment, streams in
// buffers.
func verbFactory(t *testing.T) *Factory {
	t.Helper()
	ios, _, _, _ := output.Test()
	return NewFactory(ios, func(string) string { return "" }, "test")
}

// parse runs cmd with args and returns its error; runF has captured the
// options by then.
func parse(t *testing.T, c *cobra.Command, args string) error {
	t.Helper()
	c.SetArgs(strings.Fields(args)) // no quoting in these argv
	c.SetOut(&bytes.Buffer{})
	c.SetErr(&bytes.Buffer{})
	c.SilenceErrors, c.SilenceUsage = true, true
	typeUsageErrors(c)
	return c.Execute()
}

func TestVerbArgv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, args string
		build      func(f *Factory, got *any) *cobra.Command
		want       any
		wantErr    string
	}{
		{name: "get", args: "whk_3354cb22cdfe209a3847 --show-secret",
			build: func(f *Factory, got *any) *cobra.Command {
				return NewCmdGet(f, func(o *GetOptions) error { o.F = nil; *got = *o; return nil })
			},
			want: GetOptions{ID: "whk_3354cb22cdfe209a3847", ShowSecret: true}},
		{name: "get without id", args: "", wantErr: "expected one registration id, got 0",
			build: func(f *Factory, got *any) *cobra.Command {
				return NewCmdGet(f, func(o *GetOptions) error { return nil })
			}},
		{name: "list", args: "--limit 5 --status penalty-box",
			build: func(f *Factory, got *any) *cobra.Command {
				return NewCmdList(f, func(o *ListOptions) error { o.F = nil; *got = *o; return nil })
			},
			want: ListOptions{Limit: 5, Status: "penalty-box"}},
		{name: "list --all --limit", args: "--all --limit 5", wantErr: "give one or the other",
			build: func(f *Factory, got *any) *cobra.Command {
				return NewCmdList(f, func(o *ListOptions) error { return nil })
			}},
		{name: "delete several", args: "a-1 b-2 --ignore-not-found",
			build: func(f *Factory, got *any) *cobra.Command {
				return NewCmdDelete(f, func(o *DeleteOptions) error { o.F = nil; *got = *o; return nil })
			},
			want: DeleteOptions{IDs: []string{"a-1", "b-2"}, IgnoreNotFound: true}},
		{name: "rotate by age and event", args: "--all --older-than 30d --event INVOICE.PAID --event INVOICE.CREATED --dry-run",
			build: func(f *Factory, got *any) *cobra.Command {
				return NewCmdRotate(f, func(o *RotateOptions) error {
					*got = []any{o.All, o.OlderThan, o.Events, o.DryRun}
					return nil
				})
			},
			want: []any{true, 30 * 24 * time.Hour, []string{"INVOICE.PAID", "INVOICE.CREATED"}, true}},
		{name: "register", args: "--url https://hooks.example.com/in -e A -e B --name n --reference r --inactive",
			build: func(f *Factory, got *any) *cobra.Command {
				return NewCmdRegister(f, func(o *RegisterOptions) error {
					*got = []any{o.URL, o.Events, o.Name, o.Params["reference"], o.Inactive}
					return nil
				})
			},
			want: []any{"https://hooks.example.com/in", []string{"A", "B"}, "n", "r", true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got any
			err := parse(t, tc.build(verbFactory(t), &got), tc.args)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || webhook.KindOf(err) != webhook.KindUsage {
					t.Fatalf("err = %v (kind %v), want a usage error with %q", err, webhook.KindOf(err), tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !reflect.DeepEqual(got, tc.want):
				t.Fatalf("options\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

// fakeProvider answers List and Get from a fixed registration.
type fakeProvider struct{ regs []webhook.Registration }

func (p *fakeProvider) Name() string { return "solvimon" }
func (p *fakeProvider) List(context.Context, webhook.ListOptions) ([]webhook.Registration, error) {
	return p.regs, nil
}
func (p *fakeProvider) Get(_ context.Context, id string) (*webhook.Registration, error) {
	for _, r := range p.regs {
		if r.ID == id {
			return &r, nil
		}
	}
	return nil, webhook.NotFound("solvimon", id)
}
func (p *fakeProvider) Register(context.Context, webhook.CreateRequest) ([]webhook.Registration, error) {
	return nil, webhook.Unsupported("solvimon", "register")
}
func (p *fakeProvider) Update(context.Context, string, webhook.UpdateRequest) (*webhook.Registration, error) {
	return nil, webhook.Unsupported("solvimon", "update")
}
func (p *fakeProvider) Delete(context.Context, string) error {
	return webhook.Unsupported("solvimon", "delete")
}
func (p *fakeProvider) Events(context.Context) (*webhook.EventCatalogue, error) {
	return &webhook.EventCatalogue{}, nil
}

// TestVerbRunFakeProvider: list and get with a fake provider, stdout on a
// terminal and piped; what each prints is pinned.
func TestVerbRunFakeProvider(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	fake := &fakeProvider{regs: []webhook.Registration{{ID: "whk_3354cb22cdfe209a3847", URL: "https://hooks.example.com/in",
		Events: []string{"INVOICE.CREATED"}, Active: true, Status: webhook.StatusOK, SecretExpiresAt: &exp}}}
	run := func(tty bool, build func(*Factory) *cobra.Command, args ...string) (string, string) {
		ios, _, out, errOut := output.Test()
		ios.SetTTY(false, tty, tty)
		ios.SetTerminalWidth(120)
		f := NewFactory(ios, func(string) string { return "" }, "test")
		f.Now = func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
		f.Provider = func() (webhook.Provider, config.Profile, error) { return fake, config.Profile{Name: "p"}, nil }
		f.Credentials = func() (*credentials.Store, error) { return credentials.New(credentials.NewMemory(), f.Getenv), nil }
		if len(args) > 1 && args[len(args)-2] == "-o" { // a root flag: set as the root would
			f.Global.Output, args = args[len(args)-1], args[:len(args)-2]
		}
		c := build(f)
		c.SilenceErrors, c.SilenceUsage = true, true
		c.SetArgs(args)
		if err := c.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String(), errOut.String()
	}
	list := func(f *Factory) *cobra.Command { return NewCmdList(f, nil) }
	piped, _ := run(false, list)
	if want := "whk_3354cb22cdfe209a3847\thttps://hooks.example.com/in\tINVOICE.CREATED\ttrue\t2026-12-31T00:00:00Z\tok\n"; piped != want {
		t.Errorf("piped list\n got %q\nwant %q", piped, want)
	}
	tty, _ := run(true, list)
	if !strings.Contains(tty, "ID") || !strings.Contains(tty, "STATUS") || !strings.Contains(tty, "whk_3354cb22cdfe209a3847") || strings.Contains(tty, "\t") {
		t.Errorf("terminal list is not a table with headers:\n%s", tty)
	}
	fake2 := *fake
	fake2.regs = nil
	fake.regs, fake2.regs = fake2.regs, fake.regs
	out, errOut := run(true, list)
	if out != "" || errOut != "no registrations\n" {
		t.Errorf("empty list on a terminal: stdout %q stderr %q", out, errOut)
	}
	fake.regs = fake2.regs
	get := func(f *Factory) *cobra.Command { return NewCmdGet(f, nil) }
	out, _ = run(false, get, "whk_3354cb22cdfe209a3847", "-o", "json")
	for _, want := range []string{`"id": "whk_3354cb22cdfe209a3847"`, `"status": "ok"`, `"secret_masked": null`} {
		if !strings.Contains(out, want) {
			t.Errorf("get -o json lacks %s:\n%s", want, out)
		}
	}
}
