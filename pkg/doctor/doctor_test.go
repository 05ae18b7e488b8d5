package doctor

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestClockCheck(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		skew time.Duration
		want webhook.CheckStatus
		text string
	}{
		{0, webhook.CheckOK, "agrees"},
		{30 * time.Second, webhook.CheckOK, "30s ahead of"},
		{-2 * time.Minute, webhook.CheckWarn, "2m0s behind"},
		{6 * time.Minute, webhook.CheckFail, "verify and signed requests fail"},
	} {
		c := clockCheck([]Exchange{{Host: "api.example", At: at.Add(tc.skew), Date: at}})
		if c.Status != tc.want || !strings.Contains(c.Detail, tc.text) {
			t.Errorf("skew %s: %s %q, want %s containing %q", tc.skew, c.Status, c.Detail, tc.want, tc.text)
		}
		if c.Status != webhook.CheckOK && c.Fix == "" {
			t.Errorf("skew %s: no fix", tc.skew)
		}
	}
	if c := clockCheck([]Exchange{{Host: "x"}}); c.Status != webhook.CheckSkipped {
		t.Errorf("no Date header: %+v", c)
	}
}

// TestTLSCheck runs real exchanges: a verified certificate is ok, one
// this machine does not trust fails, plain http on loopback is skipped
// and plain http elsewhere fails.
func TestTLSCheck(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	get := func(c *http.Client) []Exchange {
		oc, obs := Observe(c, nil)
		if resp, err := oc.Get(srv.URL); err == nil {
			resp.Body.Close()
		}
		return obs.Exchanges()
	}
	if c := tlsCheck(get(srv.Client())); c.Status != webhook.CheckOK || !strings.Contains(c.Detail, "TLS 1.3") {
		t.Errorf("trusted certificate: %+v", c)
	}
	if c := tlsCheck(get(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()})); c.Status != webhook.CheckFail || !strings.Contains(c.Detail, "certificate") {
		t.Errorf("untrusted certificate: %+v", c)
	}
	if c := tlsCheck([]Exchange{{Scheme: "http", Host: "127.0.0.1:8787"}}); c.Status != webhook.CheckSkipped || !strings.Contains(c.Detail, "loopback") {
		t.Errorf("loopback http: %+v", c)
	}
	if c := tlsCheck([]Exchange{{Scheme: "http", Host: "api.example.com"}}); c.Status != webhook.CheckFail {
		t.Errorf("plain http: %+v", c)
	}
	if c := tlsCheck(nil); c.Status != webhook.CheckSkipped {
		t.Errorf("no exchange: %+v", c)
	}
}
