package cmd

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/sandbox"
)

func TestSandboxServeArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdSandboxServe, []argvCase[SandboxServeOptions]{
		{args: []string{"serve"}, want: SandboxServeOptions{Server: sandbox.Options{Addr: "127.0.0.1:8787"}}},
		{args: []string{"serve", "--addr", "127.0.0.1:0", "--addr-file", "addr.txt", "--state", "s.json", "--latency", "50ms"},
			want: SandboxServeOptions{Server: sandbox.Options{Addr: "127.0.0.1:0", StateFile: "s.json", Latency: 50 * time.Millisecond}, AddrFile: "addr.txt"}},
		{args: []string{"serve", "extra"}, wantErr: true},
		{args: []string{"serve", "--latency", "slow"}, wantErr: true},
	})
}

func TestSandboxDeliverArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdSandboxDeliver, []argvCase[DeliverOptions]{
		{args: []string{"deliver", "whk_1", "-e", "INVOICE.CREATED"}, want: DeliverOptions{ID: "whk_1", Event: "INVOICE.CREATED"}},
		{args: []string{"deliver", "whk_1", "--event", "E", "--to", "http://127.0.0.1:1/hook"}, want: DeliverOptions{ID: "whk_1", Event: "E", To: "http://127.0.0.1:1/hook"}},
		{args: []string{"deliver", "whk_1", "--event", "E", "--out", "-"}, want: DeliverOptions{ID: "whk_1", Event: "E", Out: "-"}},
		{args: []string{"deliver", "whk_1"}, wantErr: true},
		{args: []string{"deliver", "--event", "E"}, wantErr: true},
		{args: []string{"deliver", "whk_1", "--event", "E", "--to", "http://x", "--out", "f"}, wantErr: true},
	})
}

func TestSandboxDemoArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdSandboxDemo, []argvCase[SandboxDemoOptions]{
		{args: []string{"demo"}, want: SandboxDemoOptions{}},
		{args: []string{"demo", "--provider", "pexa"}, want: SandboxDemoOptions{Provider: "pexa"}},
		{args: []string{"demo", "pexa"}, wantErr: true},
	})
}
