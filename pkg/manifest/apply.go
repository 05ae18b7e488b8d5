package manifest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hookctl/hookctl/pkg/bulkrun"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Target is one profile of a manifest: its provider client and entries.
type Target struct {
	Profile string
	// Account names the provider account behind the profile (see
	// bulkrun.AcquireAccountLock); "" takes no account lock.
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
	Sinks []bulkrun.Sink
	Now   func() time.Time
	// Confirm is asked once, with the writes about to be made, before
	// the first one; an error stops the run with nothing written.
	Confirm  func([]Change) error
	Progress func(done, total, failed int)
	Stderr   io.Writer
}

// Statuses of a Result (bulkrun's, as every bulk command's).
const (
	StatusOK      = bulkrun.StatusOK
	StatusFailed  = bulkrun.StatusFailed
	StatusSkipped = bulkrun.StatusSkipped
	StatusPlanned = bulkrun.StatusPlanned
	// StatusNotStarted: interrupted before this change's turn; nothing sent.
	StatusNotStarted = bulkrun.StatusNotStarted
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

// record is one JSON line of apply's journal: a write (create, update,
// delete) and the manifest identity it is for. Its JSON names are those of
// the journals earlier versions wrote.
type record struct {
	Entry    string    `json:"entry"`
	Op       string    `json:"op"`
	At       time.Time `json:"at"`
	ID       string    `json:"id,omitempty"`
	Provider string    `json:"provider,omitempty"`
	Profile  string    `json:"profile,omitempty"`
	Status   string    `json:"status,omitempty"` // op done
	Error    string    `json:"error,omitempty"`
	Action   string    `json:"action,omitempty"`
	Identity string    `json:"identity,omitempty"`
}

// run is one target's state during Apply.
type run struct {
	t Target
	// begun holds the target's locks and journal; nil in a dry run.
	begun *bulkrun.Run[record]
	// journal is begun's.
	journal *bulkrun.Journal[record]
	live    []webhook.Registration
}

// journalDir keeps apply's journal apart from rotation's, which would
// read apply's records as rotations.
func journalDir(stateDir, profile string) string {
	return bulkrun.Dir(stateDir, "apply-journal", profile)
}

// job is one write of the plan.
type job struct {
	r *run
	c Change
}

// Apply plans every target and carries the plan out: profile locks
// first (shared with rotate-secret), then the interrupted writes of an
// earlier run are finished from its journal, then the plan is confirmed
// and each write journaled (intent before the provider call, done after)
// and made with bounded concurrency. Created registrations' secrets are
// stored and sent to the sinks before a create counts as done.
func Apply(ctx context.Context, targets []Target, o Options) (*Report, error) {
	o = o.withDefaults()
	if err := oneProfilePerAccount(targets); err != nil {
		return nil, err
	}
	if err := o.checkSinks(ctx); err != nil {
		return nil, err
	}
	rep := &Report{DryRun: o.DryRun}
	var runs []*run
	defer func() {
		for i := len(runs) - 1; i >= 0; i-- {
			runs[i].end()
		}
	}()
	for _, t := range targets {
		r, err := o.begin(ctx, t, rep)
		if r != nil {
			runs = append(runs, r)
		}
		if err != nil {
			return nil, err
		}
	}
	jobs, err := o.jobs(runs, rep)
	if err != nil {
		if len(rep.Results) > 0 {
			return rep, err // what finishing an interrupted run did
		}
		return nil, err
	}
	if o.DryRun || len(jobs) == 0 {
		return rep, nil
	}
	if err := o.confirm(runs, jobs); err != nil {
		return nil, err
	}
	results := make([]Result, len(jobs))
	bulkrun.Each(ctx, len(jobs), o.Concurrency, func(i int) bool {
		results[i] = o.write(ctx, jobs[i].r, jobs[i].c)
		return results[i].Status == StatusFailed
	}, func(i int) {
		results[i] = notStarted(jobs[i].c, ctx.Err())
	}, o.Progress)
	rep.Results = append(rep.Results, results...)
	return rep, ctx.Err()
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o
}

// checkSinks: a sink that cannot work stops the run before any write.
func (o Options) checkSinks(ctx context.Context) error {
	if o.DryRun {
		return nil
	}
	for _, s := range o.Sinks {
		if err := s.Check(ctx); err != nil {
			return err
		}
	}
	return nil
}

// begin begins the run of one target (bulkrun.Begin: its locks, its
// journal with what an interrupted apply left open), lists its
// registrations and settles the open entries. A dry run begins nothing.
func (o Options) begin(ctx context.Context, t Target, rep *Report) (*run, error) {
	r := &run{t: t}
	if !o.DryRun {
		var err error
		r.begun, err = bulkrun.Begin[record](bulkrun.Options{StateDir: o.StateDir, Dir: journalDir(o.StateDir, t.Profile),
			Profile: t.Profile, Account: t.Account, Now: o.Now})
		if err != nil {
			return nil, err
		}
		r.journal = r.begun.Journal
	}
	live, err := t.Provider.List(ctx, webhook.ListOptions{All: true})
	if err != nil {
		return r, fmt.Errorf("profile %s: list registrations: %w", t.Profile, err)
	}
	r.live = live
	if r.begun != nil {
		for _, en := range r.begun.Open {
			rep.Results = append(rep.Results, o.recover(ctx, r, en.Intent))
		}
	}
	return r, nil
}

// end closes the target's journal and releases its locks.
func (r *run) end() {
	if r.begun != nil {
		_ = r.begun.Close()
	}
}

// jobs plans every target and returns the writes to make; the changes
// it will not make (deletes without --prune, a dry run's) are reported.
func (o Options) jobs(runs []*run, rep *Report) ([]job, error) {
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
		return nil, err
	}
	var jobs []job
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
			}
		}
	}
	return jobs, nil
}

// confirm checks the stores, says what the writes rely on and asks
// o.Confirm, before the first write.
func (o Options) confirm(runs []*run, jobs []job) error {
	writes := make([]Change, len(jobs))
	for i, j := range jobs {
		writes[i] = j.c
	}
	for _, r := range runs {
		if err := o.checkStore(r, writes); err != nil {
			return err
		}
	}
	allEventsNotices(o.Stderr, writes)
	if o.Confirm != nil {
		return o.Confirm(writes)
	}
	return nil
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

// close writes the outcome of intent's entry, which settles it.
func (o Options) close(r *run, intent record, status string, err error) {
	rec := record{Entry: intent.Entry, Op: bulkrun.OpDone, At: o.Now().UTC(), Status: status}
	if err != nil {
		rec.Error = err.Error()
	}
	_ = r.journal.Append(rec)
}

// write makes one change, journaled.
func (o Options) write(ctx context.Context, r *run, c Change) Result {
	intent := record{Entry: r.journal.NewEntry(), Op: bulkrun.OpIntent, At: o.Now().UTC(), ID: c.ID,
		Provider: c.Provider, Profile: c.Profile, Action: c.Action, Identity: c.Identity}
	if err := r.journal.Append(intent); err != nil {
		return fail(c, err, "")
	}
	closeWith := func(status string, err error) { o.close(r, intent, status, err) }
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
		if err != nil && len(regs) == 0 && bulkrun.Definite(err) {
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
		if bulkrun.Definite(err) {
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
	d := bulkrun.Delivery{Provider: r.t.Provider.Name(), Profile: r.t.Profile, ID: id, Secret: secret, RotatedAt: now}
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
func (o Options) recover(ctx context.Context, r *run, intent record) Result {
	res := Result{Profile: intent.Profile, Action: intent.Action, Identity: intent.Identity, ID: intent.ID, Status: StatusSkipped, Recovered: true}
	closeWith := func(status string, err error) { o.close(r, intent, status, err) }
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
