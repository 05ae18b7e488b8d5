package pwc

import (
	"slices"

	"github.com/hookctl/hookctl/pkg/webhook"
)

var _ webhook.RequestChecker = (*Client)(nil)

// CheckCreate makes Register's checks of the profile and the request, in
// its order; the RSA key Register reads next is a credential, not a rule,
// and is left to it.
func (c *Client) CheckCreate(req webhook.CreateRequest) error {
	if _, _, err := c.account(); err != nil {
		return err
	}
	if v := checkURL(req.URL); v != nil {
		return webhook.Invalid("pwc: --url: %s", v.Msg)
	}
	if len(req.Events) == 0 {
		return webhook.Invalid("pwc: at least one --event is required (each becomes its own subscription)")
	}
	for i, e := range req.Events {
		if v := checkEvent(e); v != nil {
			return webhook.Invalid("pwc: --event: %s", v.Msg)
		}
		if slices.Contains(req.Events[:i], e) {
			return webhook.Invalid("pwc: --event %s is given twice", e)
		}
	}
	if req.Name != "" {
		if v := checkName(req.Name); v != nil {
			return webhook.Invalid("pwc: --name: %s", v.Msg)
		}
	}
	_, err := contentTypeParam(req.Params)
	return err
}

// CheckUpdate makes Update's checks before it reads the stored secret.
func (c *Client) CheckUpdate(req webhook.UpdateRequest) error {
	var b updateRequest
	if req.URL != nil {
		if v := checkURL(*req.URL); v != nil {
			return webhook.Invalid("pwc: --url: %s", v.Msg)
		}
		b.URL = req.URL
	}
	if req.Events != nil {
		if len(req.Events) != 1 {
			return webhook.Invalid("pwc: a subscription has exactly one event (got %d); register another subscription for more events", len(req.Events))
		}
		if v := checkEvent(req.Events[0]); v != nil {
			return webhook.Invalid("pwc: --event: %s", v.Msg)
		}
		b.Event = &req.Events[0]
	}
	if req.Name != nil {
		if v := checkName(*req.Name); v != nil {
			return webhook.Invalid("pwc: --name: %s", v.Msg)
		}
		b.Name = req.Name
	}
	b.IsActive = req.Active
	ct, err := contentTypeParam(req.Params)
	if err != nil {
		return err
	}
	if ct != "" {
		b.ContentType = &ct
	}
	if b == (updateRequest{}) {
		return webhook.Invalid("pwc: nothing to update (give --url, --event, --name, --active or --content-type)")
	}
	return nil
}
