package offblocks

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestAllEvents: a webhook is never created or left without
// types, since nothing says OffBlocks reads that as every type; AllEvents
// names the five types the guide lists for "all entities' updates".
func TestAllEvents(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	ctx := context.Background()
	e.ready(c)
	guide := []string{"customer.updated", "account.updated", "card.updated", "authorisation.updated", "transaction.updated"}
	all := Spec().AllEvents
	backwards := slices.Clone(guide)
	slices.Reverse(backwards)
	if !slices.Equal(all.Events, guide) || !all.Supported() || !all.Covers(nil) || !all.Covers(backwards) || all.Covers(guide[1:]) || all.Covers(append(slices.Clone(guide), "card.created")) {
		t.Fatalf("Spec().AllEvents = %+v", all)
	}
	sentTypes := func() [][]string {
		var out [][]string
		for _, r := range e.requests(http.MethodPut, "/v1/webhooks") {
			var b struct {
				Types *[]string `json:"types"`
			}
			if err := json.Unmarshal(r.Body, &b); err != nil {
				t.Fatal(err)
			}
			if b.Types == nil {
				out = append(out, nil)
			} else {
				out = append(out, *b.Types)
			}
		}
		return out
	}

	_, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/none"})
	if webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "no --event given") || !strings.Contains(err.Error(), "--all-events") {
		t.Fatalf("register without types: %v", err)
	}
	_, err = c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/both", Events: []string{"card.updated"}, AllEvents: true})
	if webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("register with types and AllEvents: %v", err)
	}
	if n := len(sentTypes()); n != 0 {
		t.Fatalf("%d PUTs for refused registrations", n)
	}

	regs, err := c.Register(ctx, webhook.CreateRequest{URL: "https://hooks.example.com/all", AllEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	if sent := sentTypes(); len(sent) != 1 || !slices.Equal(sent[0], guide) || !slices.Equal(regs[0].Events, guide) {
		t.Fatalf("AllEvents sent %q, registered %v; want the guide's %v", sent, regs[0].Events, guide)
	}
	id := regs[0].ID

	if _, err := c.Update(ctx, id, webhook.UpdateRequest{Events: []string{"card.updated"}}); err != nil {
		t.Fatal(err)
	}
	e.resetSeen()
	_, err = c.Update(ctx, id, webhook.UpdateRequest{Events: []string{}})
	if webhook.KindOf(err) != webhook.KindUsage || !strings.Contains(err.Error(), "no --event given") {
		t.Fatalf("update to no types: %v", err)
	}
	if n := len(e.requests(http.MethodGet, "/v1/webhooks/"+id)) + len(sentTypes()); n != 0 {
		t.Fatalf("%d requests for a refused update", n)
	}
	upd, err := c.Update(ctx, id, webhook.UpdateRequest{AllEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	if sent := sentTypes(); len(sent) != 1 || !slices.Equal(sent[0], guide) || !slices.Equal(upd.Events, guide) {
		t.Fatalf("update AllEvents sent %q, got %v", sent, upd.Events)
	}
}
