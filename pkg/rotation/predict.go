package rotation

import (
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Statuses a run reports besides ok, failed, skipped and planned.
const (
	// StatusWouldFail (dry run): the real run would refuse this item
	// before any write, for the reason in Error (e.g. PwC without the
	// current secret it wants as proof of ownership). It counts as a
	// failure: the dry run exits as the real run would.
	StatusWouldFail = "would fail"
	// StatusNotSupported: the provider has no secret to rotate (OffBlocks
	// signs with its own key). Not a failure: --all over such a profile
	// has nothing to do.
	StatusNotSupported = "not supported"
)

// refusal is why the provider would refuse to rotate reg before any
// request (webhook.RotationChecker), or nil. Both the dry run and the real
// run ask it, so the one predicts the other; the real run asks before it
// writes a pending secret or a journal entry, so a refusal leaves nothing
// behind.
func (e *Engine) refusal(reg *webhook.Registration, ws credentials.WebhookSecrets) error {
	rc, ok := e.o.Provider.(webhook.RotationChecker)
	if !ok || e.o.Redeliver {
		return nil
	}
	cur := reg.Secret
	if cur == "" && ws.Current != nil {
		cur = ws.Current.Value
	}
	return rc.CheckRotate(reg, webhook.RotateRequest{CurrentSecret: cur})
}

// predict is a dry run's row for a planned item: planned, or would fail
// with the error the real run would report.
func (e *Engine) predict(it item) Result {
	ws, err := e.o.Store.WebhookSecrets(e.o.Profile, it.reg.ID)
	if err == nil {
		err = e.refusal(it.reg, ws)
	}
	if err != nil {
		return Result{ID: it.reg.ID, Status: StatusWouldFail, Reason: it.reason, Err: err, Error: err.Error()}
	}
	return Result{ID: it.reg.ID, Status: StatusPlanned, Reason: it.reason, Plan: e.planText()}
}

// NotSupported is the report of --all over a profile whose provider
// cannot rotate: each registration is "not supported", with why, and the
// report is no failure, so a job rotating every profile goes on.
func NotSupported(regs []webhook.Registration, why string, dryRun bool) *Report {
	rep := &Report{DryRun: dryRun, Results: make([]Result, 0, len(regs))}
	seen := map[string]bool{}
	for _, r := range regs {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		rep.Results = append(rep.Results, Result{ID: r.ID, Status: StatusNotSupported, Reason: why})
	}
	return rep
}
