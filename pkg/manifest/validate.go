package manifest

import (
	"fmt"
	"strings"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// refusals are the changes of profile's plan that its provider would
// refuse before sending them, one line each: the provider's own checks of
// register and update (webhook.RequestChecker), run without a request.
// diff, apply --dry-run and apply all ask, so a manifest one of them
// refuses the others refuse too, with the same words, before any write.
func refusals(p webhook.Provider, changes []Change) []string {
	rc, ok := p.(webhook.RequestChecker)
	if !ok {
		return nil
	}
	var out []string
	for i := range changes {
		c := &changes[i]
		var err error
		what := c.ID
		switch c.Action {
		case ActionCreate:
			err, what = rc.CheckCreate(c.createRequest()), c.Identity
		case ActionUpdate:
			err = rc.CheckUpdate(c.updateRequest())
		}
		if err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\n") // the provider's hint speaks of flags
			out = append(out, fmt.Sprintf("line %d: profile %s: %s %s: %s", c.Line, c.Profile, c.Action, what, msg))
		}
	}
	return out
}

// refused is the error for a plan with refusals (exit 2), nil without.
func refused(lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	return webhook.Invalid("the manifest asks for changes the providers refuse; nothing was sent:\n%s", strings.Join(lines, "\n")).
		WithHint("the providers' messages name register's flags: --name is an entry's name, --url its url, --event its events, --X its params.X")
}
