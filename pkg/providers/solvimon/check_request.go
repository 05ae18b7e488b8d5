package solvimon

import (
	"io"
	"maps"

	"github.com/hookctl/hookctl/pkg/webhook"
)

var _ webhook.RequestChecker = (*Client)(nil)

// CheckCreate builds Register's body, with its checks, and sends nothing;
// the plain-http warning is left to Register.
func (c *Client) CheckCreate(req webhook.CreateRequest) error {
	q := &Client{profile: c.profile, errOut: io.Discard}
	_, err := q.createBody(req)
	return err
}

// CheckUpdate makes Update's checks of the body. An endpoint secret whose
// auth type only the webhook's current state says is left to Update (it
// reads the webhook first).
func (c *Client) CheckUpdate(req webhook.UpdateRequest) error {
	b := &webhookBody{URL: req.URL, Name: req.Name, Active: req.Active}
	if req.Events != nil || req.AllEvents {
		actions, err := c.includedActions(req.Events, req.AllEvents)
		if err != nil {
			return err
		}
		b.IncludedActions = actions
	}
	params := req.Params
	if params[ParamEndpointSecretFile] != "" && params[ParamAuthType] == "" {
		params = maps.Clone(params)
		delete(params, ParamEndpointSecretFile)
	}
	if _, err := c.applyParams(b, params, ""); err != nil {
		return err
	}
	if *b == (webhookBody{}) && len(req.Params) == 0 {
		return webhook.Invalid("solvimon: nothing to update (give --url, --event, --name, --active or a solvimon flag)")
	}
	if _, fe := validateBody(b, false); fe != nil {
		return fe.usage()
	}
	return nil
}
