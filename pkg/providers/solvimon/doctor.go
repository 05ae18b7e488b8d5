package solvimon

import (
	"context"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// DoctorChecks are the checks Client.Checks reports, in order.
var DoctorChecks = []string{webhook.CheckReadPath}

var _ webhook.Doctor = (*Client)(nil)

// Checks are Solvimon's own doctor checks: the read of one webhook (the
// actions list is the generic events check).
func (c *Client) Checks(ctx context.Context, env webhook.DoctorEnv) []webhook.Check {
	return []webhook.Check{webhook.ReadCheck(ctx, env, "GET /v1/webhooks/{resourceId}", c.Get)}
}
