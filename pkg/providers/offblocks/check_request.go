package offblocks

import "github.com/hookctl/hookctl/pkg/webhook"

var _ webhook.RequestChecker = (*Client)(nil)

// CheckCreate makes Register's checks, in its order, and sends nothing.
func (c *Client) CheckCreate(req webhook.CreateRequest) error {
	if err := checkCommon(&req.Name, req.Active, req.Params); err != nil {
		return err
	}
	if err := validateCallbackURL(req.URL, c.wire.allowHTTP); err != nil {
		return err
	}
	_, err := c.types(req.Events, req.AllEvents)
	return err
}

// CheckUpdate makes Update's checks before it reads the webhook.
func (c *Client) CheckUpdate(req webhook.UpdateRequest) error {
	if err := checkCommon(req.Name, req.Active, req.Params); err != nil {
		return err
	}
	setTypes := req.Events != nil || req.AllEvents
	if req.URL == nil && !setTypes {
		return webhook.Invalid("offblocks: nothing to update (give --url, --event or --all-events)")
	}
	if req.URL != nil {
		if err := validateCallbackURL(*req.URL, c.wire.allowHTTP); err != nil {
			return err
		}
	}
	if setTypes {
		if _, err := c.types(req.Events, req.AllEvents); err != nil {
			return err
		}
	}
	return nil
}
