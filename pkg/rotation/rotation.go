// Package rotation is hookctl's bulk secret rotation engine: it selects
// registrations, rotates them with bounded concurrency, stores every new
// secret before it reports success, delivers it to sinks, and keeps a
// journal (intent before each provider call, outcome after) so a run killed
// at any point is finished or reported by the next one. The journal,
// locks, sinks and loop are pkg/bulkrun's; this package holds what is
// rotation's own: selection, the rotation and its reconciliation with the
// provider, and recovery. No cobra here; the command builds Options and
// prints the Report.
package rotation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hookctl/hookctl/internal/base/text"
	"github.com/hookctl/hookctl/pkg/bulkrun"
	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Rotator is what the engine needs from a provider.
type Rotator interface {
	webhook.Provider
	webhook.SecretRotator
}

// Selector chooses registrations. Filters combine with AND.
type Selector struct {
	IDs            []string
	All            bool
	ExpiringWithin time.Duration
	OlderThan      time.Duration
	// Events: registrations receiving any of them.
	Events   []string
	URLMatch *regexp.Regexp
}

func (s Selector) filtered() bool {
	return s.ExpiringWithin > 0 || s.OlderThan > 0 || len(s.Events) > 0 || s.URLMatch != nil
}

// Options configure a run.
type Options struct {
	Provider Rotator
	Profile  string
	// Account, when set, names the provider account behind the profile
	// (bulkrun.AcquireAccountLock): runs of two profiles on one account
	// exclude each other too.
	Account  string
	Store    *credentials.Store
	StateDir string
	Select   Selector
	// Concurrency bounds rotations in flight (default RotationPolicy.MaxConcurrency).
	Concurrency int
	DryRun      bool
	// Redeliver sends each selected registration's stored current secret to
	// the sinks without rotating it.
	Redeliver bool
	Sinks     []Sink
	// ShowSecret puts new secrets in the report.
	ShowSecret bool
	// MaxAttempts bounds rotation attempts per item after 429s and
	// 502/503/504s that left the secret unchanged (default 5).
	MaxAttempts int
	Now         func() time.Time
	// Sleep waits for Retry-After; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress is called after each item (done of total, failed of
	// them). A run of --all learns its total as it lists: total is the
	// provider's count while the listing reads its pages (where the
	// provider gives one and no filter narrows the run), 0 when it is not
	// known yet, and exact once the listing has ended.
	Progress func(done, total, failed int)
	// NewSecret generates client-chosen secrets.
	NewSecret func() (string, error)
	// Stderr receives sink output.
	Stderr io.Writer
}

// Statuses of a Result (bulkrun's): one vocabulary for every bulk
// command (rotate-secret, apply, deliveries resend), listed in their help.
const (
	StatusOK      = bulkrun.StatusOK
	StatusFailed  = bulkrun.StatusFailed
	StatusSkipped = bulkrun.StatusSkipped
	StatusPlanned = bulkrun.StatusPlanned
	// StatusNotStarted: the run was interrupted (Ctrl-C) before this item's
	// turn; nothing was sent for it, and a rerun does it.
	StatusNotStarted = bulkrun.StatusNotStarted
)

// Result is one row of the report.
type Result struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Plan (dry run): what would happen to the old secret.
	Plan                string     `json:"plan,omitempty"`
	OldSecretValidUntil *time.Time `json:"old_secret_valid_until,omitempty"`
	OldSecretRevoked    bool       `json:"old_secret_revoked,omitempty"`
	// Recovered: finished from the journal of an interrupted run.
	Recovered bool   `json:"recovered,omitempty"`
	Secret    string `json:"secret,omitempty"`
	Error     string `json:"error,omitempty"`
	Err       error  `json:"-"`
	// supersedable: an interrupted rotation that could not be reconciled
	// and that a new rotation of the id resolves.
	supersedable bool
}

// Report is the outcome of a run.
type Report struct {
	Results []Result
	DryRun  bool
}

// Err is nil when nothing failed; a single named id keeps its own error
// kind; otherwise KindRateLimited when every failure was rate limiting,
// else KindPartial.
func (r *Report) Err(singleID bool) error {
	var failed []Result
	rateLimited, named, notStarted := 0, 0, 0
	for _, res := range r.Results {
		if !res.Recovered {
			named++
		}
		if res.Status == StatusNotStarted {
			notStarted++
		}
		if res.Status == StatusFailed || res.Status == StatusWouldFail {
			failed = append(failed, res)
			if webhook.KindOf(res.Err) == webhook.KindRateLimited {
				rateLimited++
			}
		}
	}
	switch {
	case len(failed) == 0 && notStarted == 0:
		return nil
	case len(failed) == 0:
		return webhook.Errorf(webhook.KindPartial, "%d of %d rotations not started (interrupted)", notStarted, len(r.Results))
	case singleID && named == 1 && len(failed) == 1 && !failed[0].Recovered:
		return &webhook.Error{Kind: webhook.KindOf(failed[0].Err), Msg: "rotate " + failed[0].ID, Err: failed[0].Err}
	case rateLimited == len(failed):
		return webhook.Errorf(webhook.KindRateLimited, "%d of %d rotations rate limited", len(failed), len(r.Results)).
			WithHint("rerun later or lower --rate / --concurrency")
	case r.DryRun:
		return webhook.Errorf(webhook.KindPartial, "%d of %d rotations would fail", len(failed), len(r.Results))
	default:
		return webhook.Errorf(webhook.KindPartial, "%d of %d rotations failed", len(failed), len(r.Results))
	}
}

// Engine runs one rotation.
type Engine struct {
	o       Options
	policy  webhook.RotationPolicy
	journal *bulkrun.Journal[Record]
	// inflight holds the ids being rotated: never two rotations of one
	// registration at once, whatever the selection repeats.
	inflight sync.Map
	// superseded are open entries that a new rotation of their id closes
	// (recoveries that could not read the provider's state).
	superseded map[string][]Record
	// sinkErr is the first failed delivery: once a sink fails, no new
	// rotation starts (each would produce a secret nobody receives).
	sinkErr atomic.Pointer[sinkFailure]
}

type sinkFailure struct {
	id  string
	err error
}

// New validates options and fills defaults.
func New(o Options) (*Engine, error) {
	if o.Provider == nil || o.Store == nil || o.StateDir == "" {
		return nil, errors.New("rotation: provider, store and state dir are required")
	}
	if o.Redeliver && len(o.Sinks) == 0 {
		return nil, webhook.Invalid("re-delivering needs a sink: --secret-out FILE or --exec CMD")
	}
	e := &Engine{o: o, policy: o.Provider.RotationPolicy(), superseded: map[string][]Record{}}
	if e.o.Concurrency <= 0 {
		e.o.Concurrency = max(1, e.policy.MaxConcurrency)
	}
	if e.o.MaxAttempts <= 0 {
		e.o.MaxAttempts = 5
	}
	if e.o.Now == nil {
		e.o.Now = time.Now
	}
	if e.o.Sleep == nil {
		e.o.Sleep = sleepCtx
	}
	if e.o.NewSecret == nil {
		e.o.NewSecret = func() (string, error) { return randomHex(32), nil }
	}
	if e.o.Stderr == nil {
		e.o.Stderr = io.Discard
	}
	return e, nil
}

// DeliveryFailed reports whether a sink failed during Run: the run
// started no rotation after it, and neither should a caller running more
// (the next profile's), since each would make a secret nobody receives.
func (e *Engine) DeliveryFailed() bool { return e.sinkErr.Load() != nil }

// item is one planned rotation.
type item struct {
	reg    *webhook.Registration
	reason string
}

// Run checks that everything it will write to can be written (state
// directory, credential store, sinks), reconciles interrupted runs, then
// plans and (unless dry run) rotates or re-delivers.
func (e *Engine) Run(ctx context.Context) (*Report, error) {
	run, err := bulkrun.Begin[Record](bulkrun.Options{
		StateDir: e.o.StateDir, Dir: journalDir(e.o.StateDir, e.o.Profile),
		Profile: e.o.Profile, Account: e.o.Account, DryRun: e.o.DryRun, Now: e.o.Now,
		Check: func() error { return e.preflight(ctx) },
	})
	if err != nil {
		return nil, err
	}
	defer e.end(run)
	e.journal = run.Journal
	rep := &Report{DryRun: e.o.DryRun}
	handled := e.settleOpen(ctx, rep, run.Open)
	if e.o.Select.All && !e.o.DryRun {
		return e.runListed(ctx, rep, handled)
	}
	return e.runPlanned(ctx, rep, handled)
}

// end closes the run's journal and releases its locks. Closing flushes
// the lazily written "done" records (AppendLazy): a failure leaves them
// unconfirmed on disk, which must be said.
func (e *Engine) end(run *bulkrun.Run[Record]) {
	if err := run.Close(); err != nil {
		fmt.Fprintf(e.o.Stderr, "warning: flushing the journal %s failed (%v): the rotations of this run are stored, but a rerun may find them open and read them back from the provider\n", run.Journal.Path(), err)
	}
}

// settleOpen finishes or reports (in a dry run: plans) the entries an
// interrupted run left open, and returns the ids it handled. Those
// recovered (or found unresolved) are not rotated again in this run:
// rotating a recovered one would cut its overlap short, and rotating an
// unresolved one would replace a secret that was never delivered.
func (e *Engine) settleOpen(ctx context.Context, rep *Report, open []*Entry) map[string]bool {
	handled := map[string]bool{}
	for _, en := range open {
		if e.o.DryRun {
			handled[en.Intent.ID] = true
			rep.Results = append(rep.Results, Result{ID: en.Intent.ID, Status: StatusPlanned, Recovered: true,
				Reason: "interrupted rotation in the journal", Plan: "reconcile with the provider (no rotation)"})
			continue
		}
		res := e.recover(ctx, en)
		if res.supersedable {
			e.superseded[res.ID] = append(e.superseded[res.ID], en.Intent)
			continue
		}
		if res.Status != StatusSkipped {
			handled[res.ID] = true
		}
		rep.Results = append(rep.Results, res)
	}
	return handled
}

// runPlanned is Run's loop for named ids and for a dry run: it plans
// every registration first, then predicts or rotates each.
func (e *Engine) runPlanned(ctx context.Context, rep *Report, handled map[string]bool) (*Report, error) {
	items, skipped, err := e.plan(ctx, handled)
	if err != nil {
		return nil, err
	}
	planned := map[string]bool{}
	for _, it := range items {
		planned[it.reg.ID] = true
	}
	e.reportSuperseded(rep, planned)
	rep.Results = append(rep.Results, skipped...)
	if e.o.DryRun {
		for _, it := range items {
			rep.Results = append(rep.Results, e.predict(it))
		}
		return rep, nil
	}
	results := make([]Result, len(items))
	bulkrun.Each(ctx, len(items), e.o.Concurrency, func(i int) bool {
		results[i] = e.process(ctx, items[i])
		return results[i].Status == StatusFailed
	}, func(i int) {
		results[i] = interrupted(ctx, items[i])
	}, e.o.Progress)
	rep.Results = oneRowPerID(append(rep.Results, results...))
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	return rep, nil
}

// recoveredNotHappened is the reason of an interrupted rotation the
// provider shows had not taken effect.
const recoveredNotHappened = "interrupted rotation had not happened; nothing lost"

// oneRowPerID folds the row of an interrupted rotation that had not
// happened (recovered, skipped) into the row this run then gives the same
// id, so a report has one row per id: the later row, whose reason says
// what the journal held.
func oneRowPerID(results []Result) []Result {
	last := map[string]int{}
	for i, r := range results {
		last[r.ID] = i
	}
	if len(last) == len(results) {
		return results
	}
	out := results[:0:0]
	for i, r := range results {
		if j := last[r.ID]; j != i && r.Recovered && r.Status == StatusSkipped {
			later := &results[j]
			later.Reason = strings.Join(slices.DeleteFunc([]string{recoveredNotHappened, later.Reason}, func(s string) bool { return s == "" }), "; ")
			continue
		}
		out = append(out, r)
	}
	return out
}

// reportSuperseded: an unreconciled entry whose id this run rotates is
// closed by that rotation; the others are reported as they are. Each of
// Run's loops (runPlanned, reportListed) calls it once the ids to rotate
// are known.
func (e *Engine) reportSuperseded(rep *Report, planned map[string]bool) {
	for id, intents := range e.superseded {
		if planned[id] {
			continue
		}
		delete(e.superseded, id)
		for range intents {
			err := fmt.Errorf("could not tell whether an interrupted rotation of %s happened (the provider's state could not be read); rotate %s again to store the provider's current secret", id, id)
			rep.Results = append(rep.Results, Result{ID: id, Status: StatusFailed, Recovered: true, Err: err, Error: err.Error()})
		}
	}
}

// process rotates (or, with Redeliver, redelivers) one planned item.
func (e *Engine) process(ctx context.Context, it item) Result {
	if sf := e.sinkErr.Load(); sf != nil && !e.o.Redeliver {
		return Result{ID: it.reg.ID, Status: StatusSkipped,
			Reason: fmt.Sprintf("not rotated: delivering the new secret of %s failed, so no rotation was started after it; fix the sink and rerun", sf.id)}
	}
	if e.o.Redeliver {
		return e.redeliverOne(ctx, it)
	}
	r := e.rotateOne(ctx, it)
	r.Reason = it.reason
	return r
}

// interrupted is the row of an item the run never began: nothing was
// sent for it, so it is not a failure, and a rerun does it.
func interrupted(ctx context.Context, it item) Result {
	return Result{ID: it.reg.ID, Status: StatusNotStarted, Err: ctx.Err(), Reason: "interrupted before its turn; nothing was sent, a rerun does it"}
}

// preflight checks, before the first write anywhere, that the credential
// store can keep a new secret and that every sink can receive one.
func (e *Engine) preflight(ctx context.Context) error {
	if !e.o.Redeliver {
		if err := e.o.Store.CheckWritable(e.o.Profile); err != nil {
			return credentials.CannotKeep("nothing was rotated: the credential store cannot keep new secrets", err)
		}
	}
	for _, s := range e.o.Sinks {
		if err := s.Check(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) planText() string {
	if e.policy.Overlap > 0 {
		return fmt.Sprintf("rotate; the old secret stays valid for %s", text.Duration(e.policy.Overlap))
	}
	return "rotate; the old secret is revoked at once"
}

// plan selects registrations: every one with --all, else the named ids.
// Each registration is planned once, however often it is named or listed.
func (e *Engine) plan(ctx context.Context, handled map[string]bool) ([]item, []Result, error) {
	sel := e.o.Select
	sv := e.newSieve(handled)
	var items []item
	var unread []Result
	take := func(r *webhook.Registration) {
		if it, ok := sv.take(r); ok {
			items = append(items, it)
		}
	}
	if sel.All {
		list, err := e.o.Provider.List(ctx, webhook.ListOptions{All: true})
		if err != nil {
			return nil, nil, fmt.Errorf("list registrations: %w", err)
		}
		for i := range list {
			take(&list[i])
		}
	} else {
		ids := uniq(sel.IDs)
		got := make([]*webhook.Registration, len(ids))
		errs := make([]error, len(ids))
		g := errgroup.Group{}
		g.SetLimit(e.o.Concurrency)
		for i, id := range ids {
			g.Go(func() error {
				got[i], errs[i] = e.o.Provider.Get(ctx, id)
				return nil
			})
		}
		_ = g.Wait()
		for i, id := range ids {
			if errs[i] != nil {
				if sel.filtered() || credentialsRefused(errs[i]) {
					unread = append(unread, Result{ID: id, Status: StatusFailed, Err: errs[i], Error: errs[i].Error()})
					continue
				}
				// A named id needs no read: the rotation call alone
				// decides (a read path may be a guess, like PEXA UK's).
				fmt.Fprintf(e.o.Stderr, "%s: could not read the registration first (%s); rotating with the write endpoint alone\n", id, firstLine(errs[i].Error()))
				got[i] = &webhook.Registration{ID: id}
			}
			take(got[i])
		}
	}
	return items, append(unread, sv.skipped...), nil
}

// sieve decides, registration by registration as they are listed or read,
// which ones a run rotates: a repeat (a provider's paging may list one
// twice) and an id an interrupted run left open (its recovery reports it)
// are dropped, one the filters exclude is skipped with its reason.
type sieve struct {
	e       *Engine
	handled map[string]bool
	seen    map[string]bool
	now     time.Time
	skipped []Result
}

func (e *Engine) newSieve(handled map[string]bool) *sieve {
	return &sieve{e: e, handled: handled, seen: map[string]bool{}, now: e.o.Now()}
}

// take returns the item that rotates r, or false.
func (s *sieve) take(r *webhook.Registration) (item, bool) {
	if s.seen[r.ID] || s.handled[r.ID] {
		return item{}, false
	}
	s.seen[r.ID] = true
	ok, reason := s.e.match(r, s.now)
	if !ok {
		s.skipped = append(s.skipped, Result{ID: r.ID, Status: StatusSkipped, Reason: reason})
		return item{}, false
	}
	return item{reg: r, reason: reason}, true
}

// credentialsRefused: a read that failed because the credentials are
// missing or refused (exit 4 without a 403) dooms the rotation call too. A
// 403 only says this read is not permitted, which says nothing of the
// write: PEXA asks for each operation's own scope, and a client of its UK
// v1 API may rotate without the v2 read's scope.
func credentialsRefused(err error) bool {
	var we *webhook.Error
	return webhook.KindOf(err) == webhook.KindAuth && !(errors.As(err, &we) && we.Status == http.StatusForbidden)
}

func (e *Engine) match(r *webhook.Registration, now time.Time) (bool, string) {
	sel := e.o.Select
	reason := "named on the command line"
	if sel.All {
		reason = "every registration (--all)"
	}
	if !sel.filtered() {
		return true, reason
	}
	var why []string
	if len(sel.Events) > 0 {
		hit := ""
		for _, ev := range sel.Events {
			if r.Receives(ev) {
				hit = ev
				break
			}
		}
		if hit == "" {
			return false, "not subscribed to " + strings.Join(sel.Events, " or ")
		}
		why = append(why, "event "+hit)
	}
	if sel.URLMatch != nil {
		if !sel.URLMatch.MatchString(r.URL) {
			return false, "url does not match"
		}
		why = append(why, "url matches")
	}
	if sel.ExpiringWithin > 0 {
		if r.SecretExpiresAt == nil {
			return false, "secret does not expire"
		}
		left := r.SecretExpiresAt.Sub(now)
		if left > sel.ExpiringWithin {
			return false, fmt.Sprintf("secret expires in %s", text.Duration(left))
		}
		why = append(why, fmt.Sprintf("secret expires in %s", text.Duration(left)))
	}
	if sel.OlderThan > 0 {
		last, what := e.lastChange(r)
		if !last.IsZero() && now.Sub(last) < sel.OlderThan {
			return false, fmt.Sprintf("%s %s ago", what, text.Duration(now.Sub(last)))
		}
		if last.IsZero() {
			why = append(why, "no rotation on record")
		} else {
			why = append(why, fmt.Sprintf("%s %s ago", what, text.Duration(now.Sub(last))))
		}
	}
	return true, joinReasons(why)
}

// lastChange is when r's secret last changed, as far as can be told, and
// the word for it: the provider's date for the secret (PEXA: its expiry
// less the lifetime; Solvimon: secret_rolled_at), else the registration's
// last change, which no change of its secret can postdate (PwC dates its
// subscriptions, not their secrets), or the secret db's record of storing
// the current secret when that is later. Never the journal: a CI runner
// keeps none between runs, and the provider's dates make the same choice
// on every runner.
func (e *Engine) lastChange(r *webhook.Registration) (time.Time, string) {
	var last time.Time
	what := "rotated"
	switch {
	case r.SecretRotatedAt != nil:
		last = *r.SecretRotatedAt
	case r.UpdatedAt != nil:
		last, what = *r.UpdatedAt, "last changed"
	}
	if ws, err := e.o.Store.WebhookSecrets(e.o.Profile, r.ID); err == nil && ws.Current != nil && ws.Current.StoredAt.After(last) {
		last, what = ws.Current.StoredAt, "rotated"
	}
	return last, what
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// uniq drops repeated ids, keeping the first of each.
func uniq(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func joinReasons(s []string) string {
	out := ""
	for i, w := range s {
		if i > 0 {
			out += ", "
		}
		out += w
	}
	return out
}

// outcome is what a provider call or a reconciliation established.
type outcome struct {
	rotated    bool
	newSecret  string
	prevSecret string
	rotatedAt  *time.Time
	validUntil *time.Time // old secret's end; nil with revoked
	revoked    bool
}

// rotateOne rotates one registration, journaled: it makes the request
// (request), journals the intent (journalIntent), finishes instead an
// earlier run's rotation that took effect, and rotates (attempt).
func (e *Engine) rotateOne(ctx context.Context, it item) Result {
	id := it.reg.ID
	if _, busy := e.inflight.LoadOrStore(id, true); busy {
		return failedRow(id, fmt.Errorf("%s is already being rotated by this run", id))
	}
	defer e.inflight.Delete(id)
	ws, err := e.o.Store.WebhookSecrets(e.o.Profile, id)
	if err == nil {
		err = e.refusal(it.reg, ws)
	}
	if err != nil {
		return failedRow(id, err)
	}
	req, retried, err := e.request(id, ws)
	if err != nil {
		return failedRow(id, err)
	}
	intent, err := e.journalIntent(it, ws, req)
	if err != nil {
		return failedRow(id, err)
	}
	if retried {
		if oc, _, err := e.reconcile(ctx, intent, req.NewSecret); err == nil && oc.rotated {
			// The earlier run's rotation took effect: finish it, do not
			// rotate again.
			return e.finish(ctx, intent, oc, true)
		}
	}
	// The provider's own current secret wins over a stale stored one.
	if s := it.reg.Secret; s != "" && s != req.NewSecret && (ws.Current == nil || ws.Current.Value != s) {
		if err := e.adopt(id, s); err != nil {
			return failedRow(id, err)
		}
		if e.policy.ClientChoosesSecret {
			req.CurrentSecret = s
		}
	}
	return e.attempt(ctx, intent, req)
}

// failedRow is the row of a rotation that failed with err.
func failedRow(id string, err error) Result {
	return Result{ID: id, Status: StatusFailed, Err: err, Error: err.Error()}
}

// request is the rotation request for id. Where the client chooses the
// secret it carries a new one, stored as pending before the call (it
// must survive a crash), or the pending one an earlier run chose
// (retried): that one may have landed (its journal may be gone), so it is
// tried first and never replaced.
func (e *Engine) request(id string, ws credentials.WebhookSecrets) (req webhook.RotateRequest, retried bool, err error) {
	if !e.policy.ClientChoosesSecret {
		return req, false, nil
	}
	if ws.Current != nil {
		req.CurrentSecret = ws.Current.Value
	}
	if ws.Pending != nil && ws.Pending.Value != "" {
		req.NewSecret = ws.Pending.Value
		return req, true, nil
	}
	s, err := e.o.NewSecret()
	if err != nil {
		return req, false, err
	}
	req.NewSecret = s
	if err := e.o.Store.UpdateWebhookSecrets(e.o.Profile, id, func(w *credentials.WebhookSecrets) error {
		if w.Pending != nil && w.Pending.Value != "" {
			return fmt.Errorf("another process stored a pending secret for %s", id)
		}
		w.Pending = &credentials.SecretEntry{Value: s, StoredAt: e.o.Now().UTC()}
		return nil
	}); err != nil {
		return req, false, fmt.Errorf("store pending secret: %w", err)
	}
	return req, false, nil
}

// journalIntent writes, and fsyncs, the intent of rotating it with req:
// the secret it replaces (the provider's, else the stored one) by its
// salted fingerprint, so that a rerun can tell whether it took effect.
func (e *Engine) journalIntent(it item, ws credentials.WebhookSecrets, req webhook.RotateRequest) (Record, error) {
	old := it.reg.Secret
	if old == "" && ws.Current != nil {
		old = ws.Current.Value
	}
	salt := randomHex(8)
	intent := Record{Entry: e.journal.NewEntry(), Op: OpIntent, At: e.o.Now().UTC(), ID: it.reg.ID, Provider: e.o.Provider.Name(),
		Profile: e.o.Profile, Salt: salt, OldFP: fingerprint(salt, old), OldRotatedAt: it.reg.SecretRotatedAt,
		Pending: req.NewSecret != "", Sinks: e.sinkSpecs()}
	return intent, e.journal.Append(intent)
}

// attempt sends the journaled rotation to the provider until it is done
// or refused: a definite refusal closes the entry, any other error is
// read back first (it may have taken effect), and a 429 or a transient
// 502/503/504 that left the secret unchanged is tried again, up to
// MaxAttempts.
func (e *Engine) attempt(ctx context.Context, intent Record, req webhook.RotateRequest) Result {
	id := intent.ID
	for attempt := 1; ; attempt++ {
		rot, err := e.o.Provider.RotateSecret(ctx, id, req)
		if err == nil && rot.NewSecret != "" {
			oc := outcome{rotated: true, newSecret: rot.NewSecret, prevSecret: rot.PreviousSecret, validUntil: rot.PreviousValidUntil,
				revoked: rot.PreviousValidUntil == nil, rotatedAt: rot.Registration.SecretRotatedAt}
			return e.finish(ctx, intent, oc, false)
		}
		if err == nil {
			err = errors.New("the provider confirmed the rotation without a new secret")
		}
		if ctx.Err() != nil {
			return failedRow(id, fmt.Errorf("interrupted; the journal keeps the intent, rerun to reconcile: %w", err))
		}
		// Definite refusals: nothing changed, nothing to retry. A store
		// that cannot be used fails before any request is sent.
		if bulkrun.Definite(err) {
			e.closeFailed(intent, req.NewSecret, err)
			return failedRow(id, err)
		}
		// Anything else may or may not have taken effect: read back first.
		oc, _, rerr := e.reconcile(ctx, intent, req.NewSecret)
		if rerr != nil {
			return failedRow(id, fmt.Errorf("%w; reading back the state failed too (%v): rerun to reconcile", err, rerr))
		}
		if oc.rotated {
			return e.finish(ctx, intent, oc, false)
		}
		// Unchanged: a 429 or a transient 502/503/504 (the read-back shows
		// nothing was done) is retried; anything else is reported.
		if (webhook.KindOf(err) == webhook.KindRateLimited || transient(err)) && attempt < e.o.MaxAttempts {
			if werr := e.o.Sleep(ctx, retryWait(err, attempt)); werr != nil {
				return failedRow(id, fmt.Errorf("interrupted; rerun to reconcile: %w", err))
			}
			continue
		}
		e.closeFailed(intent, req.NewSecret, err)
		return failedRow(id, err)
	}
}

// transient reports a gateway or availability error worth another try.
func transient(err error) bool {
	var we *webhook.Error
	if !errors.As(err, &we) {
		return false
	}
	switch we.Status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func retryWait(err error, attempt int) time.Duration {
	var we *webhook.Error
	if errors.As(err, &we) && we.RetryAfter > 0 {
		return we.RetryAfter
	}
	return time.Duration(attempt) * 500 * time.Millisecond
}

func (e *Engine) sinkSpecs() []string {
	var out []string
	for _, s := range e.o.Sinks {
		out = append(out, s.Spec())
	}
	return out
}

// closeFailed ends an entry whose rotation did not happen.
func (e *Engine) closeFailed(intent Record, pending string, err error) {
	if pending != "" {
		_ = e.o.Store.UpdateWebhookSecrets(e.o.Profile, intent.ID, func(w *credentials.WebhookSecrets) error {
			if w.Pending != nil && w.Pending.Value == pending {
				w.Pending = nil
			}
			return nil
		})
	}
	_ = e.journal.Append(Record{Entry: intent.Entry, Op: OpDone, At: e.o.Now().UTC(), Status: "not_rotated", Error: err.Error()})
}

// reconcile asks the provider whether the intent's rotation took effect.
// It also returns the provider's current secret when the provider told it
// ("" otherwise), so a caller can adopt a secret hookctl does not hold.
func (e *Engine) reconcile(ctx context.Context, intent Record, pending string) (outcome, string, error) {
	if pending != "" {
		if rc, ok := e.o.Provider.(webhook.Reconciler); ok {
			s, confirmed, err := rc.Reconcile(ctx, intent.ID, pending)
			if err != nil {
				return outcome{}, "", err
			}
			if !confirmed {
				return outcome{}, s, nil
			}
			return e.outcomeFrom(s, "", nil), s, nil
		}
	}
	reg, err := e.o.Provider.Get(ctx, intent.ID)
	if err != nil {
		return outcome{}, "", err
	}
	switch {
	case pending != "" && reg.Secret != "":
		if reg.Secret != pending {
			return outcome{}, reg.Secret, nil
		}
	case reg.Secret != "" && intent.OldFP != "":
		if fingerprint(intent.Salt, reg.Secret) == intent.OldFP {
			return outcome{}, reg.Secret, nil
		}
	case reg.Secret != "":
		// Nothing to compare with: whatever the provider signs with now
		// must be known locally; storing it is never wrong.
		ws, err := e.o.Store.WebhookSecrets(e.o.Profile, intent.ID)
		if err != nil {
			return outcome{}, "", err
		}
		if ws.Current != nil && ws.Current.Value == reg.Secret {
			return outcome{}, reg.Secret, nil
		}
	case reg.SecretRotatedAt != nil && intent.OldRotatedAt != nil && reg.SecretRotatedAt.Equal(*intent.OldRotatedAt):
		return outcome{}, "", nil
	default:
		return outcome{}, "", fmt.Errorf("%s does not return the secret; cannot tell whether the rotation of %s happened", e.o.Provider.Name(), intent.ID)
	}
	s := reg.Secret
	if s == "" {
		s = pending
	}
	if s == "" {
		// Its rotation date moved, so the rotation happened, but the
		// provider did not say the new secret: storing "" would lose it.
		return outcome{}, "", fmt.Errorf("%s reports the secret of %s rotated (its date moved) but does not return the new one, so it cannot be stored", e.o.Provider.Name(), intent.ID)
	}
	return e.outcomeFrom(s, reg.PreviousSecret, reg.SecretRotatedAt), reg.Secret, nil
}

// adopt stores secret, which the provider reported as the registration's
// current one, when the store holds another: a secret the provider signs
// with is never dropped. The stored one is kept as previous, and said.
func (e *Engine) adopt(id, secret string) error {
	if secret == "" {
		return nil
	}
	if ws, err := e.o.Store.WebhookSecrets(e.o.Profile, id); err == nil && ws.Current != nil && ws.Current.Value == secret {
		return nil // the common case, without a write
	}
	changed := false
	err := e.o.Store.UpdateWebhookSecrets(e.o.Profile, id, func(w *credentials.WebhookSecrets) error {
		if secret == "" || (w.Current != nil && w.Current.Value == secret) {
			return nil
		}
		// Only a store that held another secret disagreed with the
		// provider; an empty one (a fresh CI runner) is just filled.
		changed = w.Current != nil
		now := e.o.Now().UTC()
		if w.Current != nil {
			w.Previous = w.Current
			if e.policy.Overlap > 0 {
				until := now.Add(e.policy.Overlap)
				w.Previous.ValidUntil = &until
			}
		}
		w.Current = &credentials.SecretEntry{Value: secret, StoredAt: now}
		if w.Pending != nil && w.Pending.Value == secret {
			w.Pending = nil
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing the provider's current secret of %s: %w", id, err)
	}
	if changed {
		fmt.Fprintf(e.o.Stderr, "%s: the provider signs with a secret hookctl did not hold as current; stored it (the old one is kept as previous)\n", id)
	}
	return nil
}

func (e *Engine) outcomeFrom(secret, prev string, rotatedAt *time.Time) outcome {
	oc := outcome{rotated: true, newSecret: secret, prevSecret: prev, rotatedAt: rotatedAt, revoked: e.policy.Overlap <= 0}
	if !oc.revoked {
		at := e.o.Now().UTC()
		if rotatedAt != nil {
			at = *rotatedAt
		}
		until := at.Add(e.policy.Overlap).UTC()
		oc.validUntil = &until
	}
	return oc
}

// finish stores the new secret, journals it, delivers it and closes the entry.
func (e *Engine) finish(ctx context.Context, intent Record, oc outcome, recovered bool) Result {
	id := intent.ID
	res := Result{ID: id, Status: StatusOK, Recovered: recovered, OldSecretValidUntil: oc.validUntil, OldSecretRevoked: oc.revoked}
	now := e.o.Now().UTC()
	err := e.o.Store.UpdateWebhookSecrets(e.o.Profile, id, func(w *credentials.WebhookSecrets) error {
		if w.Current != nil && w.Current.Value == oc.newSecret {
			return nil
		}
		prev := oc.prevSecret
		if prev == "" && w.Current != nil {
			prev = w.Current.Value
		}
		w.Previous = nil
		if prev != "" && !oc.revoked {
			w.Previous = &credentials.SecretEntry{Value: prev, ValidUntil: oc.validUntil, StoredAt: now}
		}
		w.Current = &credentials.SecretEntry{Value: oc.newSecret, StoredAt: now}
		if w.Pending != nil && w.Pending.Value == oc.newSecret {
			w.Pending = nil
		}
		return nil
	})
	if err != nil {
		// The provider has the new secret and we could not store it: the
		// intent stays open so a rerun reads it back (Get) and stores it.
		res.Status, res.Err = StatusFailed, fmt.Errorf("rotated, but storing the new secret failed (rerun to recover it): %w", err)
		res.Error = res.Err.Error()
		return res
	}
	rotatedAt := now
	if oc.rotatedAt != nil {
		rotatedAt = *oc.rotatedAt
	}
	stored := Record{Entry: intent.Entry, Op: OpStored, At: now, ID: id, NewFP: fingerprint(intent.Salt, oc.newSecret),
		RotatedAt: &rotatedAt, ValidUntil: oc.validUntil}
	if len(intent.Sinks) > 0 || len(e.o.Sinks) > 0 {
		if err := e.journal.Append(stored); err != nil {
			res.Status, res.Err, res.Error = StatusFailed, err, err.Error()
			return res
		}
	}
	if len(intent.Sinks) > 0 && len(e.o.Sinks) == 0 {
		res.Status, res.Err = StatusFailed, undelivered(intent)
		res.Error = res.Err.Error()
		return res
	}
	if err := e.deliver(ctx, intent, oc.newSecret, rotatedAt, oc.validUntil); err != nil {
		e.sinkErr.CompareAndSwap(nil, &sinkFailure{id: id, err: err})
		res.Status, res.Err = StatusFailed, fmt.Errorf("rotated and stored, but delivering the new secret failed (it is kept in the credential store; rerun with a working sink to deliver it, without rotating again): %w", err)
		res.Error = res.Err.Error()
		return res
	}
	if err := e.journal.AppendLazy(Record{Entry: intent.Entry, Op: OpDone, At: e.o.Now().UTC(), Status: StatusOK}); err != nil {
		res.Status, res.Err, res.Error = StatusFailed, err, err.Error()
		return res
	}
	// Read-only map here: superseded is settled before rotations start.
	for _, old := range e.superseded[id] {
		if err := e.journal.Append(Record{Entry: old.Entry, Op: OpDone, At: e.o.Now().UTC(), Status: "superseded"}); err != nil {
			res.Status, res.Err, res.Error = StatusFailed, err, err.Error()
			return res
		}
	}
	if e.o.ShowSecret {
		res.Secret = oc.newSecret
	}
	return res
}

// deliver sends to the sinks of this run: only ones named on the command
// line, never ones read from the journal.
func (e *Engine) deliver(ctx context.Context, intent Record, secret string, rotatedAt time.Time, until *time.Time) error {
	d := Delivery{Provider: e.o.Provider.Name(), Profile: e.o.Profile, ID: intent.ID, Secret: secret, RotatedAt: rotatedAt.UTC(), OldSecretValidUntil: until}
	for _, s := range e.o.Sinks {
		if err := s.Deliver(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// undelivered is the error for an interrupted run's new secret that went
// to sinks this run does not name.
func undelivered(intent Record) error {
	return webhook.Errorf(webhook.KindError, "the new secret of %s is stored, but the interrupted run that rotated it had sinks (%d) and this run names none, so it was not delivered", intent.ID, len(intent.Sinks)).
		WithHint("rerun with the --secret-out or --exec that should receive it; the journal's own sinks are never run")
}

// redeliverOne sends the stored current secret of a registration to the
// sinks without rotating it.
func (e *Engine) redeliverOne(ctx context.Context, it item) Result {
	id := it.reg.ID
	// Deliver what the provider signs with, not a stale stored secret.
	if err := e.adopt(id, it.reg.Secret); err != nil {
		return Result{ID: id, Status: StatusFailed, Err: err, Error: err.Error()}
	}
	ws, err := e.o.Store.WebhookSecrets(e.o.Profile, id)
	if err == nil && ws.Current == nil {
		err = webhook.Errorf(webhook.KindNotFound, "no stored secret for %s in profile %s", id, e.o.Profile)
	}
	if err != nil {
		return Result{ID: id, Status: StatusFailed, Err: err, Error: err.Error()}
	}
	var until *time.Time
	if ws.Previous != nil {
		until = ws.Previous.ValidUntil
	}
	if err := e.deliver(ctx, Record{ID: id}, ws.Current.Value, ws.Current.StoredAt, until); err != nil {
		return Result{ID: id, Status: StatusFailed, Err: err, Error: err.Error()}
	}
	return Result{ID: id, Status: StatusOK, Reason: "re-delivered the stored secret (not rotated)", OldSecretValidUntil: until}
}

// recover finishes or reports an entry left open by an interrupted run.
func (e *Engine) recover(ctx context.Context, en *Entry) Result {
	intent := en.Intent
	fail := func(err error) Result {
		return Result{ID: intent.ID, Status: StatusFailed, Recovered: true, Err: err, Error: err.Error()}
	}
	if en.Stored != nil {
		if len(e.o.Sinks) == 0 {
			return fail(undelivered(intent))
		}
		// Stored but not delivered: deliver what the store holds, if it is
		// still the secret this entry stored.
		ws, err := e.o.Store.WebhookSecrets(e.o.Profile, intent.ID)
		if err != nil {
			return fail(err)
		}
		if ws.Current == nil || fingerprint(intent.Salt, ws.Current.Value) != en.Stored.NewFP {
			err := errors.New("the secret to re-deliver is no longer the current one in the credential store")
			_ = e.journal.Append(Record{Entry: intent.Entry, Op: OpDone, At: e.o.Now().UTC(), Status: StatusFailed, Error: err.Error()})
			return fail(err)
		}
		rotatedAt := e.o.Now().UTC()
		if en.Stored.RotatedAt != nil {
			rotatedAt = *en.Stored.RotatedAt
		}
		if err := e.deliver(ctx, intent, ws.Current.Value, rotatedAt, en.Stored.ValidUntil); err != nil {
			e.sinkErr.CompareAndSwap(nil, &sinkFailure{id: intent.ID, err: err})
			return fail(fmt.Errorf("re-delivering the new secret: %w", err))
		}
		_ = e.journal.Append(Record{Entry: intent.Entry, Op: OpDone, At: e.o.Now().UTC(), Status: StatusOK})
		return Result{ID: intent.ID, Status: StatusOK, Recovered: true, OldSecretValidUntil: en.Stored.ValidUntil, OldSecretRevoked: en.Stored.ValidUntil == nil}
	}
	pending := ""
	if intent.Pending {
		ws, err := e.o.Store.WebhookSecrets(e.o.Profile, intent.ID)
		if err != nil {
			return fail(err)
		}
		if ws.Pending != nil {
			pending = ws.Pending.Value
		}
	}
	oc, current, err := e.reconcile(ctx, intent, pending)
	if webhook.KindOf(err) == webhook.KindNotFound {
		e.closeFailed(intent, pending, err)
		return fail(err)
	}
	if err != nil {
		res := fail(fmt.Errorf("reconciling an interrupted rotation: %w", err))
		// Where the provider chooses the secret and returns it, rotating
		// again makes the stored secret the provider's current one, so a
		// read that is not available need not block the id.
		res.supersedable = !e.policy.ClientChoosesSecret && !e.o.Redeliver
		if res.supersedable {
			res.Error += fmt.Sprintf("; rotate %s again to store the provider's current secret", intent.ID)
		}
		return res
	}
	if !oc.rotated {
		if err := e.adopt(intent.ID, current); err != nil {
			return fail(err)
		}
		e.closeFailed(intent, pending, errors.New("interrupted before the provider rotated"))
		return Result{ID: intent.ID, Status: StatusSkipped, Recovered: true, Reason: recoveredNotHappened}
	}
	return e.finish(ctx, intent, oc, true)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
