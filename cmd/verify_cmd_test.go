package cmd

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestVerifyArgvToOptions(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    VerifyOptions
		profile string
	}{
		{args: []string{"verify", "-p", "billing", "whk_1", "--request-file", "d.http"}, profile: "billing",
			want: VerifyOptions{ID: "whk_1", RequestFile: "d.http", Tolerance: 5 * time.Minute}},
		{args: []string{"verify", "--id", "whk_1", "--body-file", "-", "-H", "X-A: 1", "--header", "X-B: 2", "--scheme", "hub-signature", "--tolerance", "30s", "--now", "2026-01-02T03:04:05Z"},
			want: VerifyOptions{ID: "whk_1", BodyFile: "-", Headers: []string{"X-A: 1", "X-B: 2"}, Scheme: "hub-signature", Tolerance: 30 * time.Second, Now: "2026-01-02T03:04:05Z"}},
		// --entry 0 given is not the default: the first signed entry.
		{args: []string{"verify", "--har", "c.har", "--entry", "0", "--secret-file", "s.txt"},
			want: VerifyOptions{HARFile: "c.har", HAREntrySet: true, SecretFile: "s.txt", Tolerance: 5 * time.Minute}},
		{args: []string{"verify", "--har", "c.har", "--secret-env", "WH"},
			want: VerifyOptions{HARFile: "c.har", SecretEnv: "WH", Tolerance: 5 * time.Minute}},
		{args: []string{"verify", "--request-file", "d.http", "--public-key-file", "k.pem", "--seen-db", "seen.db", "--target-uri-scheme", "http"},
			want: VerifyOptions{RequestFile: "d.http", PublicKeyFile: "k.pem", SeenDB: "seen.db", TargetURIScheme: "http", Tolerance: 5 * time.Minute}},
		{args: []string{"verify", "--batch", "-", "--secret-env", "WH", "--tolerance", "1h"},
			want: VerifyOptions{BatchFile: "-", SecretEnv: "WH", Tolerance: time.Hour}},
		// A batch may name each entry's registration instead of a key.
		{args: []string{"verify", "--batch", "d.jsonl"}, want: VerifyOptions{BatchFile: "d.jsonl", Tolerance: 5 * time.Minute}},
	} {
		f, got, err := parseArgv(t, NewCmdVerify, tc.args)
		if err != nil || got == nil {
			t.Fatalf("%v: err %v, ran %v", tc.args, err, got != nil)
		}
		tc.want.F = f
		if !reflect.DeepEqual(*got, tc.want) || f.Global.Profile != tc.profile {
			t.Errorf("%v: %+v, profile %q\nwant %+v, profile %q", tc.args, *got, f.Global.Profile, tc.want, tc.profile)
		}
	}
}

func TestVerifyArgvRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", "a", "b", "--request-file", "d"}, "at most one registration id"},
		{[]string{"verify", "whk_1", "--id", "whk_2", "--request-file", "d"}, "given twice"},
		{[]string{"verify", "--secret-env", "X"}, "give the delivery with"},
		{[]string{"verify", "--request-file", "d", "--har", "h", "--secret-env", "X"}, "give the delivery with"},
		{[]string{"verify", "--request-file", "d", "-H", "X-A: 1", "--secret-env", "X"}, "--header goes with --body-file"},
		{[]string{"verify", "--request-file", "d", "--entry", "1", "--secret-env", "X"}, "--entry goes with --har"},
		{[]string{"verify", "--batch", "-", "--seen-db", "s", "--secret-env", "X"}, "--seen-db cannot be combined with --batch"},
		{[]string{"verify", "--request-file", "d", "--secret-env", "X", "--target-uri-scheme", "ftp"}, "want http or https"},
		{[]string{"verify", "--request-file", "d"}, "exactly one key source"},
		{[]string{"verify", "whk_1", "--request-file", "d", "--secret-env", "X"}, "exactly one key source"},
		{[]string{"verify", "--batch", "-", "--secret-env", "X", "--secret-file", "f"}, "exactly one key source"},
	} {
		_, got, err := parseArgv(t, NewCmdVerify, tc.args)
		if got != nil || webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v (ran %v); want a usage error containing %q", tc.args, err, got != nil, tc.want)
		}
	}
}

func TestVerifyListenArgvToOptions(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    VerifyListenOptions
		verify  VerifyOptions
		profile string
	}{
		{args: []string{"listen", "--secret-env", "WH"},
			want:   VerifyListenOptions{Addr: "127.0.0.1:8080", ForwardTimeout: 10 * time.Second},
			verify: VerifyOptions{SecretEnv: "WH", Tolerance: 5 * time.Minute}},
		{args: []string{"listen", "-p", "ob", "--id", "whk_1", "--addr", "127.0.0.1:0", "--addr-file", "a.txt", "--forward-to", "http://127.0.0.1:3000/hooks",
			"--forward-timeout", "3s", "--max", "2", "--seen-db", "seen.db", "--scheme", "http-message-signatures", "--tolerance", "1m"}, profile: "ob",
			want:   VerifyListenOptions{Addr: "127.0.0.1:0", AddrFile: "a.txt", ForwardTo: "http://127.0.0.1:3000/hooks", ForwardTimeout: 3 * time.Second, Max: 2},
			verify: VerifyOptions{ID: "whk_1", SeenDB: "seen.db", Scheme: "http-message-signatures", Tolerance: time.Minute}},
		{args: []string{"listen", "--addr", "[::1]:9000", "--public-key-file", "k.pem"},
			want:   VerifyListenOptions{Addr: "[::1]:9000", ForwardTimeout: 10 * time.Second},
			verify: VerifyOptions{PublicKeyFile: "k.pem", Tolerance: 5 * time.Minute}},
	} {
		f, got, err := parseArgv(t, NewCmdVerifyListen, tc.args)
		if err != nil || got == nil {
			t.Fatalf("%v: err %v, ran %v", tc.args, err, got != nil)
		}
		tc.verify.F = f
		tc.want.Verify = &tc.verify
		if !reflect.DeepEqual(*got, tc.want) || f.Global.Profile != tc.profile {
			t.Errorf("%v: %+v %+v, profile %q\nwant %+v %+v, profile %q", tc.args, *got, *got.Verify, f.Global.Profile, tc.want, tc.verify, tc.profile)
		}
	}
	for _, args := range [][]string{
		{"listen", "x", "--secret-env", "WH"},
		{"listen", "--secret-env", "WH", "--secret-file", "f"},
		{"listen", "--addr", "localhost", "--secret-env", "WH"},
	} {
		if _, got, err := parseArgv(t, NewCmdVerifyListen, args); got != nil || webhook.KindOf(err) != webhook.KindUsage {
			t.Errorf("%v: err %v (ran %v); want a usage error", args, err, got != nil)
		}
	}
}
