package pwc

import (
	"context"
	"fmt"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// CheckRSAKey is PwC's doctor check that the profile holds the RSA key
// PwC encrypts the secrets it returns to (register and rotate-secret
// need it to read them).
const CheckRSAKey = "rsa-key"

// DoctorChecks are the checks Client.Checks reports, in order.
var DoctorChecks = []string{CheckRSAKey, webhook.CheckReadPath}

var _ webhook.Doctor = (*Client)(nil)

// Checks are PwC's own doctor checks.
func (c *Client) Checks(ctx context.Context, env webhook.DoctorEnv) []webhook.Check {
	return []webhook.Check{c.checkRSAKey(), webhook.ReadCheck(ctx, env, "GET "+subscriptionsPath+"/{Id}", c.Get)}
}

func (c *Client) checkRSAKey() webhook.Check {
	k, err := c.privateKey()
	if err != nil {
		return webhook.Failed(CheckRSAKey, err, fmt.Sprintf("run `hookctl keys generate -p %s`", c.profile.Name))
	}
	return webhook.Passed(CheckRSAKey, "RSA %d key present: PwC's secrets can be decrypted", k.N.BitLen())
}
