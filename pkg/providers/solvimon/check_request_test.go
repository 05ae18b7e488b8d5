package solvimon

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/testkit/requestcheck"
	"github.com/hookctl/hookctl/pkg/webhook"
)

func TestCheckRequestMatchesWrites(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	url, ftp, name, blank, long := "https://h.example.com/in", "ftp://h.example.com/in", "n", " ", strings.Repeat("n", 300)
	ref := map[string]string{ParamReference: "r-1"}
	create, update := requestcheck.Create, requestcheck.Update
	ev := []string{"INVOICE.CREATED"}
	requestcheck.MatchWrites(t, c, "whk_00000000000000000000", func() int { return len(e.requests()) }, []requestcheck.Case{
		{Name: "create", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: name, Params: ref})},
		{Name: "create without name", Create: create(webhook.CreateRequest{URL: url, Events: ev, Params: ref}), Bad: true},
		{Name: "create with a long name", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: long, Params: ref}), Bad: true},
		{Name: "create without reference", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: name}), Bad: true},
		{Name: "create ftp", Create: create(webhook.CreateRequest{URL: ftp, Events: ev, Name: name, Params: ref}), Bad: true},
		{Name: "create with an unknown flag", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: name, Params: map[string]string{ParamReference: "r-1", "colour": "blue"}}), Bad: true},
		{Name: "create PASSWORD without one", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: name, Params: map[string]string{ParamReference: "r-1", ParamAuthType: AuthPassword}}), Bad: true},
		{Name: "create with a bad bool", Create: create(webhook.CreateRequest{URL: url, Events: ev, Name: name, Params: map[string]string{ParamReference: "r-1", ParamIncludePreviousData: "maybe"}}), Bad: true},
		{Name: "update url", Update: update(webhook.UpdateRequest{URL: &url})},
		{Name: "update name", Update: update(webhook.UpdateRequest{Name: &name})},
		{Name: "update a blank name", Update: update(webhook.UpdateRequest{Name: &blank}), Bad: true},
		{Name: "update ftp", Update: update(webhook.UpdateRequest{URL: &ftp}), Bad: true},
		{Name: "update with an unknown flag", Update: update(webhook.UpdateRequest{Params: map[string]string{"colour": "blue"}}), Bad: true},
		{Name: "update with a bad bool", Update: update(webhook.UpdateRequest{Params: map[string]string{ParamIncludePreviousData: "maybe"}}), Bad: true},
		{Name: "update nothing", Update: update(webhook.UpdateRequest{}), Bad: true},
	})
}
