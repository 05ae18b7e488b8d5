package pwc

import (
	"context"
	"errors"
	"fmt"
	"net/http"

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
	return []webhook.Check{c.checkRSAKey(), c.checkReadPath(ctx, env)}
}

// checkReadPath reads the first listed subscription by id. A 404 for an
// id the list just returned says the route is missing, not the
// subscription: the other flavour is tried (PwC documents this read
// under /async/ only).
func (c *Client) checkReadPath(ctx context.Context, env webhook.DoctorEnv) webhook.Check {
	path := "GET /" + c.getRoute + "/webhooks/subscriptions/{Id}"
	id := env.FirstID()
	if id == "" {
		return webhook.ReadCheck(ctx, env, path, c.Get) // skipped, and why
	}
	_, err := c.getAt(ctx, c.getRoute, id)
	if err == nil {
		return webhook.Passed(webhook.CheckReadPath, "%s answers (read registration %s)", path, id)
	}
	failed := webhook.Failed(webhook.CheckReadPath, err, "")
	var we *webhook.Error
	if !errors.As(err, &we) || we.Kind != webhook.KindNotFound && we.Status != http.StatusMethodNotAllowed {
		return failed
	}
	failed.Detail = fmt.Sprintf("%s failed for subscription %s, which the list just returned: %s", path, id, failed.Detail)
	failed.Fix = "PwC documents this read under /async/ only; ask PwC which route your account serves, and set it with `hookctl profile add " + c.profile.Name + " --force ... --get-route ROUTE`"
	other := RouteAsync
	if c.getRoute == RouteAsync {
		other = RouteSync
	}
	return webhook.RunProbes(ctx, failed, c.profile.Name, FieldGetRoute, []webhook.Probe{{
		Settings: map[string]string{FieldGetRoute: other},
		Label:    "GET " + getPath(other, id),
		Try:      func(ctx context.Context) error { _, err := c.getAt(ctx, other, id); return err },
	}})
}

func (c *Client) checkRSAKey() webhook.Check {
	k, err := c.privateKey()
	if err != nil {
		return webhook.Failed(CheckRSAKey, err, fmt.Sprintf("run `hookctl keys generate -p %s`", c.profile.Name))
	}
	return webhook.Passed(CheckRSAKey, "RSA %d key present: PwC's secrets can be decrypted", k.N.BitLen())
}
