package solvimon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Reading GET /v1/webhooks/actions. Its answer has no paging fields
// [spec], so pages are asked for until one is short or brings no new
// object type (a server that ignores page answers page 1 again).
const (
	actionsPageSize = 100
	maxActionPages  = 20
)

// Events is the account's list from GET /v1/webhooks/actions (which needs
// credentials with WEBHOOK.VIEW). When it cannot be read, the built-in
// catalogue stands in and Fallback says why, so `hookctl events` works
// offline and never passes the built-in list off as the account's.
func (c *Client) Events(ctx context.Context) (*webhook.EventCatalogue, error) {
	cat, err := c.liveActions(ctx)
	if err == nil {
		return cat, nil
	}
	if ctx.Err() != nil {
		return nil, err
	}
	cat = builtInCatalogue()
	cat.Fallback = fmt.Sprintf("could not read Solvimon's actions (%s); using %s instead", firstLine(err), cat.Name)
	return cat, nil
}

// EventsToCheck is the built-in catalogue when it holds every name, so a
// register with documented actions costs no extra request; otherwise the
// account's own list (Events). Names not of the RESOURCE.ACTION form are
// not looked up: the field rules refuse them anyway.
func (c *Client) EventsToCheck(ctx context.Context, names []string) (*webhook.EventCatalogue, error) {
	cat := builtInCatalogue()
	known := cat.Names()
	for _, n := range names {
		if actionPattern().MatchString(n) && !slices.Contains(known, n) {
			return c.Events(ctx)
		}
	}
	return cat, nil
}

// liveActions reads the account's actions once per client.
func (c *Client) liveActions(ctx context.Context) (*webhook.EventCatalogue, error) {
	c.mu.Lock()
	cached := c.actions
	c.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	var events []webhook.EventType
	seenType, seenName := map[string]bool{}, map[string]bool{}
	for page := 1; page <= maxActionPages; page++ {
		var a wireActions
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(actionsPageSize)}}
		if err := c.do(ctx, http.MethodGet, "/webhooks/actions", q, nil, &a); err != nil {
			return nil, fmt.Errorf("GET /v1/webhooks/actions: %w", err)
		}
		fresh := false
		for _, w := range a.Data {
			res := text.Printable(w.ObjectType)
			if seenType[res] {
				continue
			}
			seenType[res], fresh = true, true
			for _, act := range w.Actions {
				act = text.Printable(act)
				if name := res + "." + act; !seenName[name] {
					seenName[name] = true
					events = append(events, webhook.EventType{Name: name, Description: describeAction(res, act)})
				}
			}
		}
		if !fresh || len(a.Data) < actionsPageSize {
			break
		}
	}
	cat := &webhook.EventCatalogue{Events: events, Source: webhook.SourceLive,
		Name: "Solvimon's list of actions at GET /v1/webhooks/actions", About: "live from Solvimon (GET /v1/webhooks/actions)"}
	c.mu.Lock()
	c.actions = cat
	c.mu.Unlock()
	return cat, nil
}

// firstLine is an error without its hint, for a one-line notice.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
