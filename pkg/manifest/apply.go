package manifest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hookctl/hookctl/internal/base/fsafe"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/rotation"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Target is one profile of a manifest: its provider client and entries.
type Target struct {
	Profile string
	// Account names the provider account behind the profile (see
	// rotation.AcquireAccountLock); "" takes no account lock.
	Account  string
	Provider webhook.Provider
	Entries  []Entry
}

// Plan lists each target's registrations and plans every change: what
// `hookctl diff` prints.
func Plan(ctx context.Context, targets []Target) ([]Change, error) {
	var all []Change
	var refusing []string
	for _, t := range targets {
		live, err := t.Provider.List(ctx, webhook.ListOptions{All: true})
		if err != nil {
			return nil, fmt.Errorf("profile %s: list registrations: %w", t.Profile, err)
		}
		ch, err := PlanProfile(t.Profile, t.Entries, live)
		if err != nil {
			return nil, err
		}
		refusing = append(refusing, refusals(t.Provider, ch)...)
		all = append(all, ch...)
	}
	if err := refused(refusing); err != nil {
		return nil, err
	}
	return all, nil
}

// Options configure Apply.
type Options struct {
	Store    *credentials.Store
	StateDir string
	// Concurrency bounds writes in flight (default 4).
	Concurrency int
	// Prune deletes registrations no entry matches; without it they are
	// reported as skipped.
	Prune  bool
	DryRun bool
	// Sinks receive the secret of each created registration, as
	// rotate-secret's --secret-out and --exec do.
	Sinks []rotation.Sink
	Now   func() time.Time
	// Confirm is asked once, with the writes about to be made, before
	// the first one; an error stops the run with nothing written.
	Confirm  func([]Change) error
	Progress func(done, total, failed int)
	Stderr   io.Writer
}

// Statuses of a Result (the rotation engine's).
const (
	StatusOK      = rotation.StatusOK
	StatusFailed  = rotation.StatusFailed
	StatusSkipped = rotation.StatusSkipped
	StatusPlanned = rotation.StatusPlanned
	// StatusNotStarted: interrupted before this change's turn; nothing sent.
	StatusNotStarted = rotation.StatusNotStarted
)

// Result is one row of the report.
type Result struct {
	Profile   string `json:"profile"`
	Action    string `json:"action"`
	Identity  string `json:"identity"`
	ID        string `json:"id"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	Recovered bool   `json:"recovered,omitempty"`
	Error     string `json:"error,omitempty"`
	Err       error  `json:"-"`
}

// Report is the outcome of Apply.
type Report struct {
	Results []Result
	DryRun  bool
}

// Err is nil when nothing failed, KindRateLimited when every failure was
// rate limiting, else KindPartial.
func (r *Report) Err() error {
	failed, limited, notStarted := 0, 0, 0
	for _, res := range r.Results {
		if res.Status == StatusNotStarted {
			notStarted++
		}
		if res.Status == StatusFailed {
			failed++
			if webhook.KindOf(res.Err) == webhook.KindRateLimited {
				limited++
			}
		}
	}
	switch {
	case failed == 0 && notStarted == 0:
		return nil
	case failed == 0:
		return webhook.Errorf(webhook.KindPartial, "%d of %d changes not started (interrupted)", notStarted, len(r.Results))
	case limited == failed:
		return webhook.Errorf(webhook.KindRateLimited, "%d of %d changes rate limited", failed, len(r.Results)).
			WithHint("rerun later or lower --rate / --concurrency; apply picks up where it stopped")
	}
	return webhook.Errorf(webhook.KindPartial, "%d of %d changes failed", failed, len(r.Results))
}

// oneProfilePerAccount refuses targets of which two reach one provider
// account: their entries are two desired states of one set of
// registrations (with --prune each would delete the other's), and the
// second would find the account lock taken by this very run.
func oneProfilePerAccount(targets []Target) error {
	seen := map[string]string{}
	for _, t := range targets {
		if t.Account == "" {
			continue
		}
		if first, ok := seen[t.Account]; ok && first != t.Profile {
			return webhook.Errorf(webhook.KindUsage, "profiles %q and %q reach the same %s account (same base URL and credentials); a manifest manages an account under one profile", first, t.Profile, t.Provider.Name()).
				WithHint("move the entries of %q under profile %q", t.Profile, first)
		}
		seen[t.Account] = t.Profile
	}
	return nil
}

// run is one target's state during Apply.
type run struct {
	t       Target
	journal *rotation.Journal
	live    []webhook.Registration
}

// journalDir keeps apply's journal apart from rotation's, which would
// read apply's records as rotations.
func journalDir(stateDir, profile string) string {
	return filepath.Join(stateDir, "apply-journal", url.PathEscape(profile))
}

// Apply plans every target and carries the plan out: profile locks
// first (shared with rotate-secret), then the interrupted writes of an
// earlier run are finished from its journal, then the plan is confirmed
// and each write journaled (intent before the provider call, done after)
// and made with bounded concurrency. Created registrations' secrets are
// stored and sent to the sinks before a create counts as done.
func Apply(ctx context.Context, targets []Target, o Options) (*Report, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if err := oneProfilePerAccount(targets); err != nil {
		return nil, err
	}
	rep := &Report{DryRun: o.DryRun}
	if !o.DryRun {
		for _, s := range o.Sinks {
			if err := s.Check(ctx); err != nil {
				return nil, err
			}
		}
	}
	runs := make([]*run, len(targets))
	for i, t := range targets {
		r := &run{t: t}
		runs[i] = r
		var open []*rotation.Entry
		if !o.DryRun {
			dir := journalDir(o.StateDir, t.Profile)
			if err := rotation.CheckStateDirs(o.StateDir, dir); err != nil {
				return nil, err
			}
			lock, err := rotation.AcquireLock(o.StateDir, t.Profile)
			if err != nil {
				return nil, err
			}
			defer lock.Release()
			if t.Account != "" {
				al, err := rotation.AcquireAccountLock(o.StateDir, t.Account)
				if err != nil {
					return nil, err
				}
				defer al.Release()
			}
			var files []string
			if open, files, err = rotation.OpenEntriesIn(dir); err != nil {
				return nil, err
			}
			if r.journal, err = rotation.CreateJournal(dir, o.Now()); err != nil {
				return nil, err
			}
			defer r.journal.Close()
			for _, en := range open {
				if err := r.journal.Append(en.Intent); err != nil {
					return nil, err
				}
			}
			for _, f := range files {
				os.Remove(f)
			}
			fsafe.SyncDir(dir)
		}
		live, err := t.Provider.List(ctx, webhook.ListOptions{All: true})
		if err != nil {
			return nil, fmt.Errorf("profile %s: list registrations: %w", t.Profile, err)
		}
		r.live = live
		for _, en := range open {
			rep.Results = append(rep.Results, o.recover(ctx, r, en.Intent))
		}
	}
	type job struct {
		r *run
		c Change
	}
	var jobs []job
	var writes []Change
	plans := make([][]Change, len(runs))
	var refusing []string
	for i, r := range runs {
		changes, err := PlanProfile(r.t.Profile, r.t.Entries, r.live)
		if err != nil {
			return nil, err
		}
		plans[i] = changes
		refusing = append(refusing, refusals(r.t.Provider, changes)...)
	}
	if err := refused(refusing); err != nil {
		if len(rep.Results) > 0 {
			return rep, err // what finishing an interrupted run did
		}
		return nil, err
	}
	for i, r := range runs {
		for _, c := range plans[i] {
			switch {
			case c.Action == ActionDelete && !o.Prune:
				// The dry run says what the real run does: skip it.
				rep.Results = append(rep.Results, Result{Profile: c.Profile, Action: c.Action, Identity: c.Identity, ID: c.ID, Status: StatusSkipped, Reason: "not in the manifest; deleted only with --prune"})
			case o.DryRun:
				rep.Results = append(rep.Results, Result{Profile: c.Profile, Action: c.Action, Identity: c.Identity, ID: c.ID, Status: StatusPlanned})
			default:
				jobs = append(jobs, job{r, c})
				writes = append(writes, c)
			}
		}
	}
	if o.DryRun || len(jobs) == 0 {
		return rep, nil
	}
	for _, r := range runs {
		if err := o.checkStore(r, writes); err != nil {
			return nil, err
		}
	}
	allEventsNotices(o.Stderr, writes)
	if o.Confirm != nil {
		if err := o.Confirm(writes); err != nil {
			return nil, err
		}
	}
	results := make([]Result, len(jobs))
	var done, failed atomic.Int64
	g := errgroup.Group{}
	g.SetLimit(o.Concurrency)
	for i, j := range jobs {
		if ctx.Err() != nil {
			results[i] = notStarted(j.c, ctx.Err())
			continue
		}
		g.Go(func() error {
			if ctx.Err() != nil { // g.Go waited for a slot meanwhile
				results[i] = notStarted(j.c, ctx.Err())
				return nil
			}
			results[i] = o.write(ctx, j.r, j.c)
			if results[i].Status == StatusFailed {
				failed.Add(1)
			}
			if n := done.Add(1); o.Progress != nil {
				o.Progress(int(n), len(jobs), int(failed.Load()))
			}
			return nil
		})
	}
	_ = g.Wait()
	rep.Results = append(rep.Results, results...)
	return rep, ctx.Err()
}

// allEventsNotices says, once per provider, what a write asking for
// every event relies on (e.g. Solvimon's unfiltered list read as every
// action), as register --all-events does.
func allEventsNotices(w io.Writer, writes []Change) {
	said := map[string]bool{}
	for _, c := range writes {
		for _, f := range c.Fields {
			if f.Field != "all_events" || said[c.Provider] {
				continue
			}
			said[c.Provider] = true
			if n := allEventsOf(c.Provider).Notice; n != "" {
				fmt.Fprintln(w, "note: "+n)
			}
		}
	}
}

// notStarted is the row of a change an interrupted run never began.
func notStarted(c Change, err error) Result {
	return Result{Profile: c.Profile, Action: c.Action, Identity: c.Identity, ID: c.ID, Status: StatusNotStarted, Err: err,
		Reason: "interrupted before its turn; nothing was sent, a rerun does it"}
}

func fail(c Change, err error, msg string) Result {
	if msg != "" {
		err = fmt.Errorf("%s: %w", msg, err)
	}
	return Result{Profile: c.Profile, Action: c.Action, Identity: c.Identity, ID: c.ID, Status: StatusFailed, Err: err, Error: err.Error()}
}

// keepsSecrets: the provider hands out signing secrets (those that sign
// with their own key declare verification keys instead).
func keepsSecrets(p webhook.Provider) bool {
	_, own := p.(webhook.VerificationKeySource)
	return !own
}

// checkStore makes sure, before anything is created, that the store can
// keep the new secrets: a created webhook whose secret is lost is worse
// than none.
func (o Options) checkStore(r *run, writes []Change) error {
	if !keepsSecrets(r.t.Provider) {
		return nil
	}
	for _, c := range writes {
		if c.Profile == r.t.Profile && c.Action == ActionCreate {
			if err := o.Store.CheckWritable(r.t.Profile); err != nil {
				return credentials.CannotKeep("nothing was applied: the credential store cannot keep the new webhooks' signing secrets", err)
			}
			return nil
		}
	}
	return nil
}

// write makes one change, journaled.
func (o Options) write(ctx context.Context, r *run, c Change) Result {
	intent := rotation.Record{Entry: r.journal.NewEntry(), Op: rotation.OpIntent, At: o.Now().UTC(), ID: c.ID,
		Provider: c.Provider, Profile: c.Profile, Action: c.Action, Identity: c.Identity}
	if err := r.journal.Append(intent); err != nil {
		return fail(c, err, "")
	}
	closeWith := func(status string, err error) {
		rec := rotation.Record{Entry: intent.Entry, Op: rotation.OpDone, At: o.Now().UTC(), Status: status}
		if err != nil {
			rec.Error = err.Error()
		}
		_ = r.journal.Append(rec)
	}
	res := Result{Profile: c.Profile, Action: c.Action, Identity: c.Identity, ID: c.ID, Status: StatusOK}
	var err error
	switch c.Action {
	case ActionCreate:
		var regs []webhook.Registration
		regs, err = r.t.Provider.Register(ctx, c.createRequest())
		for _, reg := range regs {
			if res.ID == "" {
				res.ID = reg.ID
			}
			if serr := o.keep(ctx, r, reg.ID, reg.Secret); serr != nil {
				// The intent stays open: a rerun finds the registration by
				// its identity and stores its secret from the provider.
				return fail(c, serr, fmt.Sprintf("created %s, but", reg.ID))
			}
		}
		if err != nil && len(regs) == 0 && definite(err) {
			closeWith("not_created", err)
			return fail(c, err, "")
		}
	case ActionUpdate:
		_, err = r.t.Provider.Update(ctx, c.ID, c.updateRequest())
	case ActionDelete:
		err = r.t.Provider.Delete(ctx, c.ID)
		if webhook.KindOf(err) == webhook.KindNotFound {
			err = nil // gone already: what the plan wanted
		}
		if err == nil {
			if derr := o.Store.DeleteWebhookSecrets(c.Profile, c.ID); derr != nil {
				fmt.Fprintf(o.Stderr, "deleted %s, but its stored secrets could not be removed: %v\n", c.ID, derr)
			}
		}
	}
	if err != nil {
		if definite(err) {
			closeWith(StatusFailed, err)
		} else {
			// Maybe done: the entry stays open and the next apply reads
			// the provider's state back before it plans again.
			err = fmt.Errorf("%w (rerun apply: it reads the provider's state back and finishes or redoes this change)", err)
		}
		res = fail(c, err, "")
		return res
	}
	closeWith(StatusOK, nil)
	return res
}

// definite: the provider refused, or the store failed before any request;
// nothing changed.
func definite(err error) bool {
	switch webhook.KindOf(err) {
	case webhook.KindNotFound, webhook.KindAuth, webhook.KindUsage, webhook.KindStorage:
		return true
	}
	return false
}

// keep stores a created registration's secret as current and sends it to
// the sinks.
func (o Options) keep(ctx context.Context, r *run, id, secret string) error {
	if secret == "" {
		return nil
	}
	now := o.Now().UTC()
	if err := o.Store.StoreCurrent(r.t.Profile, id, secret, 0, now); err != nil {
		return fmt.Errorf("storing its secret failed (rerun apply to store it): %w", err)
	}
	d := rotation.Delivery{Provider: r.t.Provider.Name(), Profile: r.t.Profile, ID: id, Secret: secret, RotatedAt: now}
	for _, s := range o.Sinks {
		if err := s.Deliver(ctx, d); err != nil {
			return fmt.Errorf("delivering its secret failed (it is kept in the credential store; `hookctl rotate-secret %s --redeliver` sends it again): %w", id, err)
		}
	}
	return nil
}

// recover settles an entry an interrupted apply left open. Updates and
// deletes need nothing: the plan is made again from the provider's
// state. A create that happened is found by its identity, and its
// secret, read back from the provider, is stored and delivered.
func (o Options) recover(ctx context.Context, r *run, intent rotation.Record) Result {
	res := Result{Profile: intent.Profile, Action: intent.Action, Identity: intent.Identity, ID: intent.ID, Status: StatusSkipped, Recovered: true}
	closeWith := func(status string, err error) {
		rec := rotation.Record{Entry: intent.Entry, Op: rotation.OpDone, At: o.Now().UTC(), Status: status}
		if err != nil {
			rec.Error = err.Error()
		}
		_ = r.journal.Append(rec)
	}
	if intent.Action != ActionCreate {
		closeWith("replanned", nil)
		res.Reason = "interrupted " + intent.Action + "; planned again from the provider's state"
		return res
	}
	var found *webhook.Registration
	for i := range r.live {
		if liveIdentity(r.live[i]) == intent.Identity {
			ws, err := o.Store.WebhookSecrets(r.t.Profile, r.live[i].ID)
			if err == nil && ws.Current == nil {
				found = &r.live[i]
				break
			}
		}
	}
	if found == nil {
		closeWith("not_created", nil)
		res.Reason = "interrupted create had not happened (or its secret is stored); planned again"
		return res
	}
	res.ID = found.ID
	if keepsSecrets(r.t.Provider) {
		reg, err := r.t.Provider.Get(ctx, found.ID)
		if err == nil && reg.Secret == "" {
			err = webhook.Errorf(webhook.KindError, "%s does not return the secret of %s", r.t.Provider.Name(), found.ID).
				WithHint("rotate it (hookctl rotate-secret -p %s %s) so hookctl holds its secret", r.t.Profile, found.ID)
		}
		if err == nil {
			err = o.keep(ctx, r, found.ID, reg.Secret)
		}
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return Result{Profile: res.Profile, Action: res.Action, Identity: res.Identity, ID: res.ID, Status: StatusFailed, Recovered: true, Err: err, Error: err.Error()}
			}
			closeWith(StatusFailed, err)
			return Result{Profile: res.Profile, Action: res.Action, Identity: res.Identity, ID: res.ID, Status: StatusFailed, Recovered: true, Err: err, Error: err.Error()}
		}
	}
	closeWith(StatusOK, nil)
	res.Status, res.Reason = StatusOK, "interrupted create finished: its secret is stored"
	return res
}
