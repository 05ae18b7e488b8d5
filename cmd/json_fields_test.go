package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestJSONFields pins the top-level keys of every command's -o json on
// the sandbox (like gh's field tests): one key style
// (snake_case), every key present whatever the data (a value hookctl does
// not have is null), so a new, renamed or vanished key fails here. For
// an array the keys are its first element's.
func TestJSONFields(t *testing.T) {
	t.Parallel()
	cli := solvimonSandbox(t)
	id := strings.TrimSpace(cli.OK("register", "-p", "s", "--url", "https://hooks.example.com/in", "--event", "INVOICE.CREATED",
		"--name", "n", "--reference", "r", "-o", "json", "--jq", ".[0].id"))
	id2 := strings.TrimSpace(cli.OK("register", "-p", "s", "--url", "https://hooks.example.com/gone", "--event", "INVOICE.CREATED",
		"--name", "g", "--reference", "g", "-o", "json", "--jq", ".[0].id"))
	delivery := filepath.Join(t.TempDir(), "delivery.http")
	cli.OK("sandbox", "deliver", "-p", "s", id, "--event", "INVOICE.CREATED", "--out", delivery)
	batch := filepath.Join(t.TempDir(), "batch.jsonl")
	if err := os.WriteFile(batch, []byte(`{"body":"x"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	reg := "provider profile id name url events active secret_expires_at secret_rotated_at status created_at updated_at extra"
	rotation := "profile id status reason plan old_secret_valid_until old_secret_revoked recovered error"
	verdict := "valid scheme key steps failed_step id"
	cases := []struct {
		args []string
		keys string
	}{
		{[]string{"list", "-p", "s"}, reg},
		{[]string{"register", "-p", "s", "--url", "https://hooks.example.com/x", "--event", "INVOICE.CREATED", "--name", "x", "--reference", "x"}, reg},
		{[]string{"get", "-p", "s", id}, reg + " secret_masked"},
		{[]string{"update", "-p", "s", id, "--name", "m"}, reg},
		{[]string{"rotate-secret", "-p", "s", id, "--dry-run"}, rotation},
		{[]string{"rotate-secret", "-p", "s", id}, rotation},
		{[]string{"verify", "-p", "s", id, "--request-file", delivery}, verdict},
		{[]string{"verify", "-p", "s", "--batch", batch}, "line error " + verdict},
		{[]string{"events", "-p", "s"}, "name mandatory description source"},
		{[]string{"secrets", "list", "-p", "s"}, "profile id at_provider current previous pending"},
		{[]string{"auth", "status", "-p", "s", "--offline"}, "credentials webhook_secrets accepted message"},
		{[]string{"profile", "list"}, "name provider region environment base_url token_url settings current"},
		{[]string{"profile", "show", "s"}, "name provider region environment base_url token_url settings current capabilities"},
		{[]string{"version"}, "version commit date go os arch"},
		{[]string{"delete", "-p", "s", id2, "--yes"}, "id status error"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args[:min(2, len(tc.args))], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// A failed verification still prints its verdict; the keys are what matters here.
			_ = cli.Exec(ctx, "", &out, &errOut, append(tc.args, "-o", "json")...)
			keys, err := topLevelKeys(out.Bytes())
			if err != nil {
				t.Fatalf("hookctl %s -o json: %v\nstdout: %s\nstderr: %s", strings.Join(tc.args, " "), err, out.String(), errOut.String())
			}
			if got := strings.Join(keys, " "); got != tc.keys {
				t.Errorf("hookctl %s -o json keys\n got %s\nwant %s", strings.Join(tc.args, " "), got, tc.keys)
			}
			for _, k := range keys {
				if k != strings.ToLower(k) || strings.Contains(k, "-") {
					t.Errorf("key %q is not snake_case", k)
				}
			}
			if bytes.Contains(out.Bytes(), []byte(`"steps":null`)) || bytes.Contains(out.Bytes(), []byte(`"steps": null`)) {
				t.Errorf("a list printed as null:\n%s", out.String())
			}
			if bytes.Contains(out.Bytes(), []byte(`: ""`)) {
				t.Errorf("an empty string where the rule says null:\n%s", out.String())
			}
		})
	}
}

// topLevelKeys reads the keys, in order, of the first JSON value in b (of
// its first element when it is an array; JSON Lines: the first line).
func topLevelKeys(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == json.Delim('[') {
		if tok, err = dec.Token(); err != nil {
			return nil, err
		}
	}
	if tok != json.Delim('{') {
		return nil, &json.UnmarshalTypeError{Value: "not an object"}
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	if slices.Contains(keys, "") {
		return nil, &json.UnmarshalTypeError{Value: "empty key"}
	}
	return keys, nil
}
