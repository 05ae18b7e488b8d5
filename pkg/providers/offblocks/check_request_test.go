package offblocks

import (
	"testing"

	"github.com/hookctl/hookctl/internal/testkit/requestcheck"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestCheckRequestMatchesWrites(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	url, http, name := "https://h.example.com/in", "http://h.example.com/in", "n"
	create, update := requestcheck.Create, requestcheck.Update
	ev := []string{"customer.updated"}
	requestcheck.MatchWrites(t, c, "00000000-0000-4000-8000-000000000001", func() int { return len(e.requests("", "")) }, []requestcheck.Case{
		{Name: "create", Create: create(webhook.CreateRequest{URL: url, Events: ev})},
		{Name: "create with a name", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: name}), Bad: true},
		{Name: "create http", Create: create(webhook.CreateRequest{URL: http, Events: ev}), Bad: true},
		{Name: "create with a flag", Create: create(webhook.CreateRequest{URL: url, Events: ev, Params: map[string]string{"colour": "blue"}}), Bad: true},
		{Name: "update url", Update: update(webhook.UpdateRequest{URL: &url})},
		{Name: "update a name", Update: update(webhook.UpdateRequest{Name: &name}), Bad: true},
		{Name: "update http", Update: update(webhook.UpdateRequest{URL: &http}), Bad: true},
		{Name: "update nothing", Update: update(webhook.UpdateRequest{}), Bad: true},
	})
}
