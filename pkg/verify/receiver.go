package verify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
)

// StepBudget names the step of a delivery turned away because the body
// budget stayed spent: not a verdict, the sender is asked to retry.
const StepBudget = "budget"

// Delivery is one delivery a Receiver handled, as `verify listen` reports
// it (its JSON is the -o json line).
type Delivery struct {
	Time          time.Time `json:"time"`
	Method        string    `json:"method"`
	Path          string    `json:"path"`
	Status        int       `json:"status"`
	ForwardStatus *int      `json:"forward_status"` // nil: not forwarded
	ForwardError  string    `json:"forward_error"`
	signature.Result
}

// Receiver is the HTTP handler of `verify listen`: it answers each
// delivery like a real webhook endpoint, 2xx for a valid signature (the
// forward target's status with Forward), 400 without signature headers,
// 401 for a bad signature, 409 for a replay, 413 for a body over MaxBody,
// 502/504 when forwarding fails or times out, and 503 with Retry-After
// when the body budget stays spent.
//
// Deliveries are handled concurrently: signature headers are checked
// before the body is read (a request without them costs no body memory),
// bodies are held within Budget, and forwarding, bounded by Forward, never
// holds up verification. Only Report calls are serialised.
type Receiver struct {
	// Scheme picks a delivery's scheme from its headers, before the body
	// is read (PickScheme with the flags and profile).
	Scheme func(http.Header) (signature.Scheme, error)
	// Verify checks one delivery; it may be called concurrently.
	Verify func(ctx context.Context, s signature.Scheme, req *signature.Request) signature.Result
	// Now is the verification time source; Tolerance the accepted skew,
	// which Replay also needs.
	Now       func() time.Time
	Tolerance time.Duration
	// Replay, when set, refuses deliveries already accepted.
	Replay *Store
	// Budget bounds the body bytes in flight; MaxBody one body.
	Budget  *Budget
	MaxBody int64
	// Forward, when set, receives every verified delivery.
	Forward *Forwarder
	// Max > 0 stops the receiver (Done) after that many deliveries; later
	// ones are answered 503.
	Max int
	// Report gets each handled delivery, one call at a time.
	Report func(Delivery)

	initOnce  sync.Once
	done      chan struct{}
	admitted  atomic.Int64
	reportMu  sync.Mutex
	handled   int
	rejected  int
	closeOnce sync.Once
}

func (rc *Receiver) init() { rc.done = make(chan struct{}) }

// Done is closed once Max deliveries were handled.
func (rc *Receiver) Done() <-chan struct{} {
	rc.initOnce.Do(rc.init)
	return rc.done
}

// Counts reports how many deliveries were handled and how many of them
// were rejected (turned away for the budget counts as neither).
func (rc *Receiver) Counts() (handled, rejected int) {
	rc.reportMu.Lock()
	defer rc.reportMu.Unlock()
	return rc.handled, rc.rejected
}

// ServeHTTP implements http.Handler.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.initOnce.Do(rc.init)
	if rc.Max > 0 && rc.admitted.Add(1) > int64(rc.Max) {
		w.Header().Set("Connection", "close")
		http.Error(w, "receiver is shutting down", http.StatusServiceUnavailable)
		return
	}
	d := Delivery{Time: rc.Now().UTC(), Method: r.Method, Path: r.URL.Path}
	rc.handle(w, r, &d)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if d.FailedStep == StepBudget {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(d.Status)
	if d.Valid {
		io.WriteString(w, "verified\n")
	} else {
		io.WriteString(w, "rejected: "+d.FailedStep+"\n")
	}

	rc.reportMu.Lock()
	defer rc.reportMu.Unlock()
	rc.Report(d)
	if d.FailedStep == StepBudget {
		rc.admitted.Add(-1) // not handled: the sender retries
		return
	}
	rc.handled++
	if !d.Valid {
		rc.rejected++
	}
	if rc.Max > 0 && rc.handled >= rc.Max {
		rc.closeOnce.Do(func() { close(rc.done) })
	}
}

// handle verifies one delivery and forwards it when valid, filling d.
func (rc *Receiver) handle(w http.ResponseWriter, r *http.Request, d *Delivery) {
	scheme, err := rc.Scheme(r.Header)
	if err == nil && !scheme.Detect(r.Header) {
		err = errors.New("no " + scheme.Name() + " signature headers")
	}
	if err != nil {
		name := ""
		if scheme != nil {
			name = scheme.Name()
		}
		// Refused unread: the connection cannot be reused.
		w.Header().Set("Connection", "close")
		d.Status, d.Result = http.StatusBadRequest, failed(name, signature.StepHeaders, err.Error())
		return
	}
	body, done, status, err := rc.Budget.readBody(w, r, rc.MaxBody)
	switch {
	case errors.Is(err, errBudget):
		w.Header().Set("Connection", "close")
		d.Status, d.Result = status, failed(scheme.Name(), StepBudget,
			"the "+strconv.FormatInt(rc.Budget.Size()>>20, 10)+" MiB budget for bodies in flight stayed spent: asked the sender to retry")
		return
	case err != nil:
		w.Header().Set("Connection", "close")
		d.Status, d.Result = status, failed(scheme.Name(), signature.StepHeaders, "reading the body: "+err.Error())
		return
	}
	defer done()

	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	req := &signature.Request{Method: r.Method, URL: &u, Header: r.Header, Body: body}
	d.Result = rc.Verify(r.Context(), scheme, req)
	var claim *Claim
	if d.Valid && rc.Replay != nil {
		res, c, err := rc.Replay.Check(d.Result, rc.Now(), rc.Tolerance)
		if err != nil {
			// Unknown whether it is a replay: not accepted, the sender retries.
			res.Steps = append(res.Steps, signature.Step{Name: signature.StepReplay, Detail: err.Error()})
			res.Valid, res.FailedStep = false, signature.StepReplay
			d.Status, d.Result = http.StatusInternalServerError, res
			return
		}
		d.Result, claim = res, c
	}
	switch {
	case d.Valid:
		d.Status = http.StatusOK
	case d.FailedStep == signature.StepHeaders:
		d.Status = http.StatusBadRequest
	case d.FailedStep == signature.StepReplay:
		// Not 401: the signature is fine, the delivery was seen before.
		d.Status = http.StatusConflict
	default:
		d.Status = http.StatusUnauthorized
	}
	if d.Valid && rc.Forward != nil {
		rc.forward(r, body, d)
	}
	if claim != nil && (d.Status < 200 || d.Status > 299) {
		// Not delivered after all: the sender's retry must be accepted.
		if err := claim.Release(); err != nil {
			d.ForwardError = strings.TrimPrefix(d.ForwardError+"; seen db: "+err.Error(), "; ")
		}
	}
}

func (rc *Receiver) forward(r *http.Request, body []byte, d *Delivery) {
	st, err := rc.Forward.Forward(r.Context(), r, body)
	switch {
	case errors.Is(err, errForwardTimeout):
		d.Status, d.ForwardError = http.StatusGatewayTimeout, err.Error()
	case err != nil:
		d.Status, d.ForwardError = http.StatusBadGateway, err.Error()
	default:
		d.Status, d.ForwardStatus = st, &st
	}
}

func failed(scheme, step, detail string) signature.Result {
	return signature.Result{Scheme: scheme, Steps: []signature.Step{{Name: step, Detail: detail}}, FailedStep: step}
}
