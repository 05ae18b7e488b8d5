package cmd

import "testing"

func TestPingArgvToOptions(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    PingOptions
		wantErr bool
	}{
		{args: []string{"ping", "whk_1"}, want: PingOptions{ID: "whk_1"}},
		{args: []string{"ping", "whk_1", "-e", "INVOICE.CREATED", "--to", "http://127.0.0.1:8080/hook"}, want: PingOptions{ID: "whk_1", Event: "INVOICE.CREATED", To: "http://127.0.0.1:8080/hook"}},
		{args: []string{"ping", "whk_1", "--dry-run", "--out", "-"}, want: PingOptions{ID: "whk_1", DryRun: true, Out: "-"}},
		{args: []string{"ping"}, wantErr: true},
		{args: []string{"ping", "whk_1", "--dry-run"}, wantErr: true},
		{args: []string{"ping", "whk_1", "--to", "http://x", "--dry-run", "--out", "f"}, wantErr: true},
	} {
		f, got, err := parseArgv(t, NewCmdPing, tc.args)
		if tc.wantErr {
			if err == nil || got != nil {
				t.Errorf("%v: err %v, ran %v; want an error", tc.args, err, got != nil)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%v: err %v, ran %v", tc.args, err, got != nil)
		}
		tc.want.F = f
		if *got != tc.want {
			t.Errorf("%v: %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}
