package verify

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
)

// newReceiver is a receiver verifying with current, a budget of budget
// bytes and 5 MiB per body; verify, when set, wraps verification.
func newReceiver(budget int64, verify func(req *signature.Request, res signature.Result) signature.Result) *Receiver {
	return &Receiver{
		Scheme: func(h http.Header) (signature.Scheme, error) { return PickScheme("", "", h) },
		Verify: func(_ context.Context, s signature.Scheme, req *signature.Request) signature.Result {
			res := s.Verify(req, []signature.Key{current}, signature.Options{})
			if verify != nil {
				res = verify(req, res)
			}
			return res
		},
		Now:     time.Now,
		Budget:  NewBudget(budget, time.Minute),
		MaxBody: 5 << 20,
		Report:  func(Delivery) {},
	}
}

// send posts a hub-signature delivery of body (signed with key) to url.
func send(t *testing.T, url string, key signature.Key, body []byte) int {
	t.Helper()
	req := delivery(t, signature.HubSignature{}, []signature.Key{key}, "", time.Now())
	req.Body = body
	if err := (signature.HubSignature{}).Sign(req, []signature.Key{key}, time.Now()); err != nil {
		t.Fatal(err)
	}
	hr, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header = req.Header
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Errorf("POST: %v", err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond until it holds (10 s deadline: a guard against a
// hang, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestReceiverBodyBudget: 60 concurrent 5 MiB deliveries against a 16 MiB
// budget. Verification is held until as many bodies
// as the budget allows are in memory at once; the bytes verification ever
// sees at once never exceed the budget, and every delivery is answered.
func TestReceiverBodyBudget(t *testing.T) {
	const size, budget = 5 << 20, 16 << 20
	var inFlight, peak, waiting atomic.Int64
	gate := make(chan struct{})
	rc := newReceiver(budget, func(req *signature.Request, res signature.Result) signature.Result {
		n := inFlight.Add(int64(len(req.Body)))
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		waiting.Add(1)
		<-gate
		inFlight.Add(-int64(len(req.Body)))
		return res
	})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	body := bytes.Repeat([]byte("x"), size)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := send(t, srv.URL, current, body)
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		}()
	}
	// The budget fits three bodies: wait until three are being verified.
	waitFor(t, "three bodies in verification at once", func() bool { return waiting.Load() == budget/size })
	close(gate)
	wg.Wait()
	if statuses[http.StatusOK] != 60 {
		t.Errorf("statuses %v, want 60 × 200", statuses)
	}
	if p := peak.Load(); p > budget || p < budget/size*size {
		t.Errorf("peak body bytes in verification %d, want %d (within the %d budget)", p, budget/size*size, budget)
	}
	if p := rc.Budget.Peak(); p > budget {
		t.Errorf("budget peak %d over %d", p, budget)
	}
}

// TestReceiverBudgetSpent: when the budget stays spent a delivery is
// turned away with 503 and Retry-After, without counting as handled or
// rejected.
func TestReceiverBudgetSpent(t *testing.T) {
	gate := make(chan struct{})
	var held atomic.Int32
	rc := newReceiver(5<<20, func(req *signature.Request, res signature.Result) signature.Result {
		held.Add(1)
		<-gate
		return res
	})
	rc.Budget = NewBudget(5<<20, 0) // no wait
	var lines []Delivery
	rc.Report = func(d Delivery) { lines = append(lines, d) }
	srv := httptest.NewServer(rc)
	defer srv.Close()
	big := bytes.Repeat([]byte("x"), 5<<20)
	done := make(chan int)
	go func() { done <- send(t, srv.URL, current, big) }()
	waitFor(t, "the first delivery holds the budget", func() bool { return held.Load() == 1 })

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"a":1}`))
	req.Header = delivery(t, signature.HubSignature{}, []signature.Key{current}, `{"a":1}`, time.Now()).Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("spent budget: %s, Retry-After %q; want 503 with Retry-After", resp.Status, resp.Header.Get("Retry-After"))
	}
	close(gate)
	if st := <-done; st != http.StatusOK {
		t.Errorf("first delivery: %d", st)
	}
	if n, rejected := rc.Counts(); n != 1 || rejected != 0 || len(lines) != 2 || lines[0].FailedStep != StepBudget {
		t.Errorf("handled %d, rejected %d, lines %+v", n, rejected, lines)
	}
}

// readCounter is a request body that counts reads.
type readCounter struct{ reads int }

func (r *readCounter) Read([]byte) (int, error) {
	r.reads++
	return 0, io.EOF
}

// TestReceiverHeadersBeforeBody: a request without signature headers is
// answered 400 without a read of its body or a byte of the budget.
func TestReceiverHeadersBeforeBody(t *testing.T) {
	verified := false
	rc := newReceiver(1<<20, func(_ *signature.Request, res signature.Result) signature.Result {
		verified = true
		return res
	})
	for _, h := range []http.Header{
		{"Content-Type": {"application/json"}},
		{"X-Webhook-Delivery": {"0123"}}, // hub-signature's id, without its signature
	} {
		body := &readCounter{}
		r := httptest.NewRequest(http.MethodPost, "/hook", body)
		r.Header = h
		r.ContentLength = 4 << 20
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest || body.reads != 0 || verified || rc.Budget.Peak() != 0 {
			t.Errorf("%v: HTTP %d, %d body reads, verified %v, budget peak %d; want 400 unread", h, w.Code, body.reads, verified, rc.Budget.Peak())
		}
	}
	// Too large by its Content-Length: 413, also unread.
	body := &readCounter{}
	r := httptest.NewRequest(http.MethodPost, "/hook", body)
	r.Header = delivery(t, signature.HubSignature{}, []signature.Key{current}, "{}", time.Now()).Header
	r.ContentLength = 6 << 20
	w := httptest.NewRecorder()
	rc.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || body.reads != 0 {
		t.Errorf("6 MiB: HTTP %d, %d reads; want 413 unread", w.Code, body.reads)
	}
}

// heldTarget is a forward target that holds every request until released,
// counting arrivals and the most held at once.
type heldTarget struct {
	*httptest.Server
	release          chan struct{}
	once             sync.Once
	arrived, maxHeld atomic.Int32
	held             atomic.Int32
}

func newHeldTarget(t *testing.T) *heldTarget {
	ht := &heldTarget{release: make(chan struct{})}
	ht.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ht.arrived.Add(1)
		n := ht.held.Add(1)
		for m := ht.maxHeld.Load(); n > m && !ht.maxHeld.CompareAndSwap(m, n); m = ht.maxHeld.Load() {
		}
		select {
		case <-ht.release:
		case <-r.Context().Done():
		}
		ht.held.Add(-1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(func() {
		ht.unblock()
		ht.Close()
	})
	return ht
}

func (ht *heldTarget) unblock() { ht.once.Do(func() { close(ht.release) }) }

// TestReceiverForwardBounded: forwards run concurrently up to the limit;
// while the target holds them, an invalid delivery is still answered 401,
// and a delivery over the limit waits for a slot, then goes through.
func TestReceiverForwardBounded(t *testing.T) {
	ht := newHeldTarget(t)
	rc := newReceiver(64<<20, nil)
	rc.Forward = NewForwarder(ht.URL, time.Minute, 2, &http.Client{Transport: ForwardTransport(2)})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	results := make(chan int, 3)
	for i := range 3 {
		go func() { results <- send(t, srv.URL, current, []byte(`{"n":`+strconv.Itoa(i)+`}`)) }()
	}
	waitFor(t, "two forwards held at once", func() bool { return ht.held.Load() == 2 })
	if st := send(t, srv.URL, signature.Key{Secret: []byte("wrong")}, []byte(`{"bad":1}`)); st != http.StatusUnauthorized {
		t.Errorf("invalid delivery while forwards are held: %d, want 401", st)
	}
	ht.unblock()
	for range 3 {
		if st := <-results; st != http.StatusAccepted {
			t.Errorf("forwarded delivery: %d, want 202", st)
		}
	}
	if a, m := ht.arrived.Load(), ht.maxHeld.Load(); a != 3 || m != 2 {
		t.Errorf("target saw %d deliveries, %d at once; want 3, at most 2", a, m)
	}
}

// TestReceiverForwardTimeout: a target that never answers costs a
// delivery its forward timeout: 504, and the replay claim is given back so
// the sender's retry is accepted.
func TestReceiverForwardTimeout(t *testing.T) {
	ht := newHeldTarget(t) // never released during the test
	rc := newReceiver(1<<20, nil)
	rc.Forward = NewForwarder(ht.URL, 100*time.Millisecond, 4, &http.Client{Transport: ForwardTransport(4)})
	rc.Replay = newStore(t)
	var lines []Delivery
	rc.Report = func(d Delivery) { lines = append(lines, d) }
	req := delivery(t, signature.HubSignature{}, []signature.Key{current}, `{"a":1}`, time.Now())
	post := func() int {
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(req.Body))
		r.Header = req.Header.Clone()
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 2 {
		if st := post(); st != http.StatusGatewayTimeout {
			t.Errorf("attempt %d: HTTP %d, want 504 (and not 409: the first was not delivered)", i+1, st)
		}
	}
	for _, d := range lines {
		if !strings.Contains(d.ForwardError, "no answer within 100ms") {
			t.Errorf("forward error %q", d.ForwardError)
		}
	}
}
