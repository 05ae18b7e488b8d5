package pexa

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// CheckScopes is PEXA's doctor check that the token endpoint grants the
// scope of every operation hookctl calls.
const CheckScopes = "scopes"

// DoctorChecks are the checks Client.Checks reports, in order.
var DoctorChecks = []string{CheckScopes, webhook.CheckReadPath}

var _ webhook.Doctor = (*Client)(nil)

// placeholderID is read when the profile has no registration yet: the
// v2 GET's registrationId is a filter, so an unknown (well-formed) id
// answers an empty page, which shows the path and scope work.
const placeholderID = "00000000-0000-4000-8000-000000000000"

// Checks are PEXA's own doctor checks: a new token for each operation's
// scopes, and the v2 read (whose UK path is inferred) with a
// registration's id.
func (c *Client) Checks(ctx context.Context, env webhook.DoctorEnv) []webhook.Check {
	return []webhook.Check{c.checkScopes(ctx), c.checkReadPath(ctx, env)}
}

func (c *Client) checkScopes(ctx context.Context) webhook.Check {
	if c.epErr != nil {
		return webhook.Failed(CheckScopes, c.epErr, "")
	}
	var granted, refused []string
	var firstErr error
	seen := map[string]bool{}
	for _, op := range []apiOp{opCreate, opEdit, opDelete, opRotate, opRead} {
		scopes := c.scopes(op)
		key := scopeKey(scopes)
		if seen[key] {
			continue
		}
		seen[key] = true
		if err := c.freshToken(ctx, scopes); err != nil {
			if webhook.KindOf(err) != webhook.KindAuth {
				return webhook.Failed(CheckScopes, err, "")
			}
			refused = append(refused, fmt.Sprintf("%s (%s)", strings.Join(scopes, " "), op))
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		granted = append(granted, strings.Join(scopes, " "))
	}
	if len(refused) > 0 {
		var we *webhook.Error
		fix := ""
		if errors.As(firstErr, &we) {
			fix = we.Hint
		}
		return webhook.Check{Name: CheckScopes, Status: webhook.CheckFail,
			Detail: fmt.Sprintf("the token endpoint refused %s; granted: %s", strings.Join(refused, ", "), orNone(granted)),
			Fix:    fix}
	}
	from := "each operation's own scope"
	if c.profile.Setting(FieldScopes) != "" {
		from = "the profile's scopes setting"
	}
	return webhook.Passed(CheckScopes, "a token was issued for %s: %s", from, strings.Join(granted, ", "))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// freshToken asks the token endpoint for scopes, never using a cached
// token, and caches the answer as any token.
func (c *Client) freshToken(ctx context.Context, scopes []string) error {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	l, err := c.login()
	if err != nil {
		return err
	}
	c.loadTokens(l)
	_, err = c.newToken(ctx, l, slices.Clone(scopes))
	return err
}

// describeRead is the read GET at path as sent, prefix included.
func (c *Client) describeRead(path string) string {
	if u, err := url.Parse(c.ep.api); err == nil {
		path = u.Path + path
	}
	return "GET " + path + "?registrationId="
}

// readAnswers reads id at path: nil when the path answers, including an
// empty page for the placeholder id (probe).
func (c *Client) readAnswers(ctx context.Context, path, id string, probe bool) error {
	_, err := c.getAt(ctx, path, id)
	var we *webhook.Error
	if probe && errors.As(err, &we) && we.Kind == webhook.KindNotFound && we.Status == 0 {
		return nil
	}
	return err
}

// missingEndpoint: the answer says the path is not there (not the
// scope or the credentials), so another path may be.
func missingEndpoint(err error) bool {
	var we *webhook.Error
	if !errors.As(err, &we) {
		return false
	}
	switch we.Status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	}
	return false
}

func (c *Client) checkReadPath(ctx context.Context, env webhook.DoctorEnv) webhook.Check {
	if c.epErr != nil {
		return webhook.Failed(webhook.CheckReadPath, c.epErr, "")
	}
	id := env.FirstID()
	probe := id == ""
	if probe {
		id = placeholderID
	}
	err := c.readAnswers(ctx, c.readPath, id, probe)
	if err == nil {
		what := "registration read"
		if probe {
			what = "an empty page for a placeholder id: the profile has no registration yet"
		}
		return webhook.Passed(webhook.CheckReadPath, "%s%s answers (%s)", c.describeRead(c.readPath), id, what)
	}
	status := ""
	var we *webhook.Error
	if errors.As(err, &we) && we.Status != 0 {
		status = fmt.Sprintf(" (HTTP %d)", we.Status)
	}
	inferred := ""
	if c.profile.Region == RegionUK {
		inferred = "; its UK path is inferred from AU's (PEXA's UK portal documents no read)"
	}
	failed := webhook.Check{Name: webhook.CheckReadPath, Status: webhook.CheckFail,
		Detail: fmt.Sprintf("%s%s failed%s: %s", c.describeRead(c.readPath), id, status, firstLine(err)),
		Fix: fmt.Sprintf("this read needs the scope %s (the %s v2 API)%s. Ask PEXA to grant the scope, or set --api-prefix if your tenant serves the API elsewhere. Meanwhile rotate-secret ID and update ID --url ... --event ... work without it; list, get and update --add-event do not",
			strings.Join(c.scopes(opRead), " "), describeRegion(c.profile.Region), inferred)}
	if !missingEndpoint(err) {
		return failed
	}
	var probes []webhook.Probe
	for _, alt := range ReadPathCandidates {
		if alt == c.readPath {
			continue
		}
		probes = append(probes, webhook.Probe{
			Settings: map[string]string{FieldReadPath: alt},
			Label:    c.describeRead(alt) + id,
			Try:      func(ctx context.Context) error { return c.readAnswers(ctx, alt, id, probe) },
		})
	}
	return webhook.RunProbes(ctx, failed, c.profile.Name, FieldReadPath, probes)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
