// Package requestcheck pins a provider's request checks (webhook.RequestChecker)
// to its writes. It is apart from providertest, which the emulators' tests
// use: they must not reach pkg/webhook.
package requestcheck

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Case is a request a provider's RequestChecker is tested with:
// Create when set, else Update (of the registration id given to
// CheckRequestsMatchWrites). Bad says whether the provider refuses it.
type Case struct {
	Name   string
	Create *webhook.CreateRequest
	Update *webhook.UpdateRequest
	Bad    bool
}

// Checker is a provider with the RequestChecker capability.
type Checker interface {
	webhook.Provider
	webhook.RequestChecker
}

// MatchWrites pins a provider's CheckCreate and CheckUpdate
// to its Register and Update: a request the check refuses is refused by
// the write with the same message and nothing sent (sent counts the API
// requests so far), and one the check passes is not refused by it. A
// check that drifted from its write's rules fails here.
func MatchWrites(t *testing.T, p Checker, id string, sent func() int, cases []Case) {
	t.Helper()
	ctx := context.Background()
	for _, tc := range cases {
		var cerr, werr error
		before := sent()
		if tc.Create != nil {
			cerr = p.CheckCreate(*tc.Create)
			if tc.Bad {
				_, werr = p.Register(ctx, *tc.Create)
			}
		} else {
			cerr = p.CheckUpdate(*tc.Update)
			if tc.Bad {
				_, werr = p.Update(ctx, id, *tc.Update)
			}
		}
		switch {
		case !tc.Bad && cerr != nil:
			t.Errorf("%s: the check refuses a good request: %v", tc.Name, cerr)
		case tc.Bad && cerr == nil:
			t.Errorf("%s: the check passes a request the provider refuses (%v)", tc.Name, werr)
		case tc.Bad && (werr == nil || werr.Error() != cerr.Error()):
			t.Errorf("%s: the check says %q, the write %v", tc.Name, cerr, werr)
		case tc.Bad && webhook.KindOf(werr) != webhook.KindOf(cerr):
			t.Errorf("%s: kinds differ: check %v, write %v", tc.Name, webhook.KindOf(cerr), webhook.KindOf(werr))
		case tc.Bad && sent() != before:
			t.Errorf("%s: the refused write sent %d requests", tc.Name, sent()-before)
		}
	}
}

// Create and Update make a Case's request from a literal.
func Create(r webhook.CreateRequest) *webhook.CreateRequest { return &r }

// Update: see Create.
func Update(r webhook.UpdateRequest) *webhook.UpdateRequest { return &r }
