package solvimon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/httpclient"
)

// The webhook-events API is not in the published document, so these
// requests go to the emulator unvalidated.
func TestWebhookEventsLogAndResend(t *testing.T) {
	clock := providertest.NewClock()
	box := New(emulator.Options{BaseURL: "http://sandbox/solvimon", Now: clock.Now,
		HTTP: httpclient.New(httpclient.Options{AllowHTTP: true, MaxRetries: -1, Timeout: 5 * time.Second})})
	srv := httptest.NewServer(box)
	t.Cleanup(srv.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	id := call(t, srv.URL, "POST", "/v1/webhooks", nil, `{"url":"`+closedURL+`/in","name":"n","reference":"r"}`).webhook(t).ID
	sent, err := box.Send(ctx, id, "INVOICE.CREATED", "")
	if err != nil || sent.Status != 0 || sent.Error == "" || !strings.HasPrefix(sent.DeliveryID, "whe_") {
		t.Fatalf("send to a closed port: %+v %v", sent, err)
	}
	if _, err := box.Send(ctx, "whk_nope", "INVOICE.CREATED", ""); err == nil {
		t.Fatal("send for an unknown webhook")
	}
	var page struct {
		Data []eventOut `json:"data"`
	}
	json.Unmarshal(call(t, srv.URL, "GET", "/v1/webhook-events?status=FAILED&webhook_id="+id, nil, "").Body, &page)
	if len(page.Data) != 1 || page.Data[0].ID != sent.DeliveryID || page.Data[0].Status != eventFailed || len(page.Data[0].Attempts) != 1 || page.Data[0].Attempts[0].Successful {
		t.Fatalf("failed events: %+v", page.Data)
	}
	if rec, _ := box.Stored(id); rec.Penalty == nil || rec.Penalty.EventID != sent.DeliveryID {
		t.Fatalf("a failed delivery parks the webhook with its event: %+v", rec.Penalty)
	}
	if a := call(t, srv.URL, "GET", "/v1/webhook-events?status=LOST", nil, ""); a.Status != 400 {
		t.Fatalf("unknown status filter: %d", a.Status)
	}

	// Resend goes to the webhook's current URL, signed with its secret.
	rcv := providertest.NewReceiver(t)
	call(t, srv.URL, "PATCH", "/v1/webhooks/"+id, nil, `{"url":"`+rcv.URL+`/in"}`)
	var ev eventOut
	a := call(t, srv.URL, "POST", "/v1/webhook-events/"+sent.DeliveryID+"/resend", nil, "")
	json.Unmarshal(a.Body, &ev)
	if a.Status != 200 || ev.Status != eventSucceeded || len(ev.Attempts) != 2 || *ev.Attempts[1].ResponseStatusCode != 200 {
		t.Fatalf("resend: %d %s", a.Status, a.Body)
	}
	d := rcv.Deliveries()
	rec, _ := box.Stored(id)
	if len(d) != 1 || string(d[0].Body) != ev.Payload || !strings.Contains(d[0].Header.Get(HeaderSignature), sign(rec.SecretKey, d[0].Header.Get(HeaderSignatureTimestamp), d[0].Body)) {
		t.Fatalf("resent delivery %+v", d)
	}
	if rec.Penalty != nil {
		t.Fatal("a delivered resend of the parked event leaves the penalty box")
	}
	if a := call(t, srv.URL, "POST", "/v1/webhook-events/whe_nope/resend", nil, ""); a.Status != 404 {
		t.Fatalf("resend unknown: %d", a.Status)
	}

	// The log survives a restart.
	st, _ := box.State()
	again := New(emulator.Options{Now: clock.Now})
	if err := again.LoadState(st); err != nil || len(again.events) != 1 || again.events[0].Status != eventSucceeded {
		t.Fatalf("state round trip: %v %+v", err, again.events)
	}
}
