package pexa

import (
	"io"

	"github.com/hookctl/hookctl/pkg/webhook"
)

var _ webhook.RequestChecker = (*Client)(nil)

// quiet is a client for checks alone: the same profile (region rules),
// notes discarded (the write that follows says them).
func (c *Client) quiet() *Client { return &Client{profile: c.profile, errOut: io.Discard} }

// CheckCreate makes Register's checks, in its order, with no request:
// TestCheckRequestMatchesWrites keeps the two together.
func (c *Client) CheckCreate(req webhook.CreateRequest) error {
	if req.Name != "" {
		return webhook.Unsupported(Name, "a registration name (--name)")
	}
	if req.Active != nil && !*req.Active {
		return webhook.Unsupported(Name, "an inactive registration (--inactive; PEXA registrations have no active flag)")
	}
	q := c.quiet()
	if _, err := q.checkURI(req.URL); err != nil {
		return err
	}
	if _, err := q.events(req.Events); err != nil {
		return err
	}
	flags, err := q.parseAuthFlags(req.Params)
	if err != nil {
		return err
	}
	_, err = q.resolveAuth(flags, nil)
	return err
}

// CheckUpdate makes Update's checks up to its read of the registration.
func (c *Client) CheckUpdate(req webhook.UpdateRequest) error {
	if req.Active != nil && !*req.Active {
		return webhook.Unsupported(Name, "deactivating a registration (--active=false; PEXA registrations have no active flag: delete it instead)")
	}
	if req.Name != nil {
		return webhook.Unsupported(Name, "a registration name (--name)")
	}
	q := c.quiet()
	if req.URL != nil {
		if _, err := q.checkURI(*req.URL); err != nil {
			return err
		}
	}
	if req.Events != nil {
		if _, err := q.events(req.Events); err != nil {
			return err
		}
	}
	if _, err := q.parseAuthFlags(req.Params); err != nil {
		return err
	}
	if req.URL == nil && req.Events == nil && len(req.Params) == 0 {
		return webhook.Invalid("pexa: nothing to update (give --url, --event or an --auth-* flag)")
	}
	return nil
}
