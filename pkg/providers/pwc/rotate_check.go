package pwc

import "github.com/hookctl/hookctl/pkg/webhook"

var _ webhook.RotationChecker = (*Client)(nil)

// CheckRotate refuses, before any request, a rotation that PwC would
// refuse for want of proof: no current secret in req (the caller's store,
// or the subscription's own secret decrypted with the profile's key), none
// given with --current-secret-file and none stored. The error is the one
// RotateSecret returns in that case, so a dry run says what the real run
// will.
func (c *Client) CheckRotate(reg *webhook.Registration, req webhook.RotateRequest) error {
	if req.CurrentSecret != "" || reg.Secret != "" {
		return nil
	}
	_, err := c.storedSecret(reg.ID, true)
	return err
}
