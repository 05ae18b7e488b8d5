package pwc

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Golden fixtures: PwC publishes no OpenAPI document, so these bodies are
// written from the field names its webhook pages list (docs/providers/pwc.md,
// "SubscriptionResponse" and ServiceStack's "responseStatus", [DOC]) and
// from ServiceStack's own JSON conventions (camelCase, dates as
// "/Date(ms-0000)/"), independently of our wire structs. They are answered
// to the client as they stand, so a field name that client and emulator
// share but get wrong (both written by us) fails here.

// goldenSubscription is a SubscriptionResponse as PwC's pages describe it.
const goldenSubscription = `{
  "subscription": {
    "id": "4f2f5a3c-8e2b-4f7a-9a51-0c7d2e8b1a11",
    "name": "filings",
    "event": "ReportFiled",
    "isActive": true,
    "createdDateUtc": "/Date(1733050800000-0000)/",
    "createdById": "1",
    "lastModifiedDateUtc": "/Date(1733054400000-0000)/",
    "config": {"url": "https://hooks.example.com/pwc", "contentType": "application/json", "secret": ""}
  },
  "history": [],
  "responseStatus": null
}`

// goldenForbidden is ServiceStack's error body for a wrong currentSecret.
const goldenForbidden = `{
  "responseStatus": {
    "errorCode": "Forbidden",
    "message": "The secret does not match the subscription's current secret",
    "errors": [{"errorCode": "Forbidden", "fieldName": "CurrentSecret", "message": "The secret does not match"}]
  }
}`

// answerAPI answers every request but the login with status and body.
func answerAPI(e *env, status int, body string) {
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(strings.TrimPrefix(r.URL.Path, "/pwc"), "/auth") {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		})
	})
}

func TestGoldenSubscriptionResponse(t *testing.T) {
	e := newEnv(t)
	answerAPI(e, http.StatusOK, goldenSubscription)
	r, err := e.client().Get(ctx, "4f2f5a3c-8e2b-4f7a-9a51-0c7d2e8b1a11")
	if err != nil {
		t.Fatalf("Get on the documented SubscriptionResponse: %v", err)
	}
	created := time.Date(2024, 12, 1, 11, 0, 0, 0, time.UTC)
	if r.ID != "4f2f5a3c-8e2b-4f7a-9a51-0c7d2e8b1a11" || r.Name != "filings" || len(r.Events) != 1 || r.Events[0] != "ReportFiled" ||
		!r.Active || r.URL != "https://hooks.example.com/pwc" || r.CreatedAt == nil || !r.CreatedAt.Equal(created) ||
		r.UpdatedAt == nil || !r.UpdatedAt.Equal(created.Add(time.Hour)) {
		t.Fatalf("read %+v from the documented shape", r)
	}
}

func TestGoldenResponseStatusError(t *testing.T) {
	e := newEnv(t)
	if err := e.store.StoreCurrent("sb", "4f2f5a3c-8e2b-4f7a-9a51-0c7d2e8b1a11", "c3RvcmVkLXNlY3JldA==", 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	answerAPI(e, http.StatusForbidden, goldenForbidden)
	url := "https://hooks.example.com/moved"
	_, err := e.client().Update(ctx, "4f2f5a3c-8e2b-4f7a-9a51-0c7d2e8b1a11", webhook.UpdateRequest{URL: &url})
	if err == nil {
		t.Fatal("the documented 403 read as success")
	}
	for _, want := range []string{"The secret does not match the subscription's current secret", "CurrentSecret", "Forbidden", "HTTP 403"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error for the documented body lacks %q: %v", want, err)
		}
	}
}
