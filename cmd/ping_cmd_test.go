package cmd

import "testing"

func TestPingArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdPing, []argvCase[PingOptions]{
		{args: []string{"ping", "whk_1"}, want: PingOptions{ID: "whk_1"}},
		{args: []string{"ping", "whk_1", "-e", "INVOICE.CREATED", "--to", "http://127.0.0.1:8080/hook"}, want: PingOptions{ID: "whk_1", Event: "INVOICE.CREATED", To: "http://127.0.0.1:8080/hook"}},
		{args: []string{"ping", "whk_1", "--dry-run", "--out", "-"}, want: PingOptions{ID: "whk_1", DryRun: true, Out: "-"}},
		{args: []string{"ping"}, wantErr: true},
		{args: []string{"ping", "whk_1", "--dry-run"}, wantErr: true},
		{args: []string{"ping", "whk_1", "--to", "http://x", "--dry-run", "--out", "f"}, wantErr: true},
	})
}
