package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func solvimonCall(t *testing.T, s *Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.BaseURL+"/solvimon"+path, strings.NewReader(body))
	req.Header.Set("X-API-KEY", "sandbox-api-key")
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func putBackdate(t *testing.T, s *Server, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, s.BaseURL+"/_sandbox/backdate", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBackdate: the rolled date the provider answers with moves back by
// the days asked; a registration without a date, an unknown one and a
// provider that cannot backdate are refused.
func TestBackdate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Start(Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	code, hook := solvimonCall(t, s, "POST", "/v1/webhooks", `{"url":"https://h.example/x","name":"n","reference":"r"}`)
	id, _ := hook["id"].(string)
	if code != 201 || id == "" {
		t.Fatalf("create: %d %v", code, hook)
	}
	body := `{"provider":"solvimon","id":"` + id + `","days":25}`
	if code := putBackdate(t, s, body); code != http.StatusNotFound {
		t.Errorf("backdating a never-rolled secret: %d, want 404", code)
	}
	if code, _ := solvimonCall(t, s, "PATCH", "/v1/webhooks/"+id+"/secret-key", `{}`); code != 200 {
		t.Fatalf("roll: %d", code)
	}
	if code := putBackdate(t, s, body); code != http.StatusNoContent {
		t.Fatalf("backdate: %d", code)
	}
	_, got := solvimonCall(t, s, "GET", "/v1/webhooks/"+id, "")
	if want := now.Add(-25 * 24 * time.Hour).Format(time.RFC3339); got["secret_rolled_at"] != want {
		t.Errorf("secret_rolled_at %v, want %s", got["secret_rolled_at"], want)
	}
	for _, bad := range []string{
		`{"provider":"solvimon","id":"whk_00000000000000000000","days":1}`,
		`{"provider":"offblocks","id":"x","days":1}`,
		`{"provider":"nope","id":"x","days":1}`,
		`{"provider":"solvimon","id":"` + id + `","days":0}`,
		`not json`,
	} {
		if code := putBackdate(t, s, bad); code < 400 {
			t.Errorf("%s: %d, want a refusal", bad, code)
		}
	}
}
