package pexa

import (
	"testing"

	"github.com/hookctl/hookctl/internal/testkit/requestcheck"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestCheckRequestMatchesWrites(t *testing.T) {
	e := newEnv(t)
	c, errOut := e.client()
	f := false
	url, http, trailing := "https://h.example.com/in", "http://h.example.com/in", "https://h.example.com/in/"
	create, update := requestcheck.Create, requestcheck.Update
	two := []string{MandatoryEvent, "WORKSPACE_LODGED"}
	requestcheck.MatchWrites(t, c, "a12sd23sf4f5f6f9", func() int { return len(e.apiRequests()) }, []requestcheck.Case{
		{Name: "create", Create: create(webhook.CreateRequest{URL: url, Events: two})},
		{Name: "create, trailing slash", Create: create(webhook.CreateRequest{URL: trailing, Events: two})},
		{Name: "create with a name", Create: create(webhook.CreateRequest{URL: url, Events: two, Name: "n"}), Bad: true},
		{Name: "create inactive", Create: create(webhook.CreateRequest{URL: url, Events: two, Active: &f}), Bad: true},
		{Name: "create http", Create: create(webhook.CreateRequest{URL: http, Events: two}), Bad: true},
		{Name: "create only SECRET_EXPIRY", Create: create(webhook.CreateRequest{URL: url, Events: []string{MandatoryEvent}}), Bad: true},
		{Name: "create without SECRET_EXPIRY", Create: create(webhook.CreateRequest{URL: url, Events: []string{"WORKSPACE_LODGED"}}), Bad: true},
		{Name: "create with a v3 flag in the UK", Create: create(webhook.CreateRequest{URL: url, Events: two, Params: map[string]string{ParamAuthMode: AuthModeHMAC}}), Bad: true},
		{Name: "create with an unknown flag", Create: create(webhook.CreateRequest{URL: url, Events: two, Params: map[string]string{"colour": "blue"}}), Bad: true},
		{Name: "update url", Update: update(webhook.UpdateRequest{URL: &url})},
		{Name: "update events", Update: update(webhook.UpdateRequest{Events: two})},
		{Name: "update to only SECRET_EXPIRY", Update: update(webhook.UpdateRequest{URL: &url, Events: []string{MandatoryEvent}}), Bad: true},
		{Name: "update http", Update: update(webhook.UpdateRequest{URL: &http, Events: two}), Bad: true},
		{Name: "update a name", Update: update(webhook.UpdateRequest{Name: &url}), Bad: true},
		{Name: "deactivate", Update: update(webhook.UpdateRequest{Active: &f}), Bad: true},
		{Name: "update nothing", Update: update(webhook.UpdateRequest{}), Bad: true},
	})
	errOut.Reset()
	if err := c.CheckCreate(webhook.CreateRequest{URL: trailing, Events: []string{MandatoryEvent, MandatoryEvent, "WORKSPACE_LODGED"}}); err != nil || errOut.Len() > 0 {
		t.Errorf("a check prints nothing (the write says its notes): %v, %q", err, errOut)
	}
}
