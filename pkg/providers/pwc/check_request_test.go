package pwc

import (
	"testing"

	"github.com/hookctl/hookctl/internal/testkit/requestcheck"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestCheckRequestMatchesWrites(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	url, bad, name, short := "https://h.example.com/in", "h.example.com/in", "filing", "ab"
	create, update := requestcheck.Create, requestcheck.Update
	ev := []string{"ReportFiled"}
	requestcheck.MatchWrites(t, c, "5f0c0000-0000-4000-8000-000000000000", func() int { return len(e.apiRequests()) }, []requestcheck.Case{
		{Name: "create", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: name})},
		{Name: "create without events", Create: create(webhook.CreateRequest{URL: url, Name: name}), Bad: true},
		{Name: "create with a bad url", Create: create(webhook.CreateRequest{URL: bad, Events: ev, Name: name}), Bad: true},
		{Name: "create with a bad event", Create: create(webhook.CreateRequest{URL: url, Events: []string{"no such event!"}, Name: name}), Bad: true},
		{Name: "create with an event twice", Create: create(webhook.CreateRequest{URL: url, Events: []string{"ReportFiled", "ReportFiled"}, Name: name}), Bad: true},
		{Name: "create with a short name", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: short}), Bad: true},
		{Name: "create with an unknown flag", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: name, Params: map[string]string{"colour": "blue"}}), Bad: true},
		{Name: "update url", Update: update(webhook.UpdateRequest{URL: &url})},
		{Name: "update to two events", Update: update(webhook.UpdateRequest{Events: []string{"ReportFiled", "ReportRejected"}}), Bad: true},
		{Name: "update a bad url", Update: update(webhook.UpdateRequest{URL: &bad}), Bad: true},
		{Name: "update a short name", Update: update(webhook.UpdateRequest{Name: &short}), Bad: true},
		{Name: "update nothing", Update: update(webhook.UpdateRequest{}), Bad: true},
	})
}
