package cmd_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
)

// listenProc is a `hookctl verify listen` child process: a separate
// process, as two receivers sharing a --seen-db would be.
type listenProc struct {
	addr string
	cmd  *exec.Cmd
	out  bytes.Buffer  // stdout; read it only after wait
	done chan struct{} // closed when the process has exited, with err
	err  error
}

// wait waits for the listener to exit (after --max deliveries).
func (l *listenProc) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-l.done:
		return l.err
	case <-time.After(20 * time.Second):
		t.Fatal("verify listen did not stop after --max deliveries")
		return nil
	}
}

// listenSecret is the webhook secret of the listener tests.
const listenSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// secretEnv is the environment of a listener reading listenSecret with
// --secret-env WH_SECRET.
func secretEnv() []string { return append(os.Environ(), "WH_SECRET="+listenSecret) }

// startListenProc starts the test binary (installed as "hookctl" on PATH
// by TestMain) as `verify listen` and waits for its address.
func startListenProc(t *testing.T, env []string, args ...string) *listenProc {
	t.Helper()
	l := &listenProc{done: make(chan struct{})}
	c := exec.Command(hookctlBin(t), append([]string{"verify", "listen", "--addr", "127.0.0.1:0"}, args...)...)
	c.Env = env
	c.Stdout = &l.out
	l.cmd = c
	errPipe, err := c.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Process.Kill()
		<-l.done
	})
	re := regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)`)
	sc := bufio.NewScanner(errPipe)
	var stderr strings.Builder
	for sc.Scan() {
		stderr.WriteString(sc.Text() + "\n")
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			l.addr = m[1]
			go func() {
				io.Copy(io.Discard, errPipe)
				l.err = c.Wait()
				close(l.done)
			}()
			return l
		}
	}
	l.err = c.Wait()
	close(l.done)
	t.Fatalf("verify listen did not start: %s", stderr.String())
	return nil
}

// post sends body with headers h to url and returns the status (0 and the
// error when there was no answer).
func post(ctx context.Context, url string, h http.Header, body io.Reader, size int64) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return 0, err
	}
	req.Header = h.Clone()
	req.ContentLength = size
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestVerifyListenSharedSeenDB: two listener processes share one --seen-db
// and get the same sandbox delivery at the same moment, round after round:
// exactly one may accept it, the other answers 409.
func TestVerifyListenSharedSeenDB(t *testing.T) {
	e := newFaultEnv(t, hookctlBin(t), "solvimon", "HOOKCTL_API_KEY=sandbox-api-key")
	id := e.mustRegister("--url", "https://hooks.example.com/in", "--event", "INVOICE.CREATED", "--name", "shared", "--reference", "shared-1", "-o", "json")
	db := filepath.Join(t.TempDir(), "seen.db")
	a := startListenProc(t, e.env, "--id", id, "--seen-db", db)
	b := startListenProc(t, e.env, "--id", id, "--seen-db", db)
	const rounds = 25
	failed := 0
	for round := range rounds {
		d, err := e.srv.Deliver(context.Background(), "solvimon", id, "INVOICE.CREATED")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var wg sync.WaitGroup
		start := make(chan struct{})
		got := make([]int, 2)
		for i, l := range []*listenProc{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[i], _ = post(ctx, "http://"+l.addr+"/hook", d.Header, bytes.NewReader(d.Body), int64(len(d.Body)))
			}()
		}
		close(start)
		wg.Wait()
		cancel()
		slices.Sort(got)
		if !slices.Equal(got, []int{http.StatusOK, http.StatusConflict}) {
			failed++
			t.Errorf("round %d: the two listeners answered %v, want one 200 and one 409", round, got)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d rounds accepted the delivery twice or not at all", failed, rounds)
	}
}

// hubDelivery is a hub-signature delivery of body signed with secret.
func hubDelivery(t *testing.T, secret string, body []byte) http.Header {
	t.Helper()
	req := &signature.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
	if err := (signature.HubSignature{}).Sign(req, []signature.Key{{Secret: []byte(secret)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req.Header
}

// blockingTarget is a forward target that holds every request until
// release is closed, announcing each arrival on arrived.
type blockingTarget struct {
	*httptest.Server
	arrived chan string
	release chan struct{}
	once    sync.Once
}

// unblock lets every held and later request through.
func (bt *blockingTarget) unblock() { bt.once.Do(func() { close(bt.release) }) }

func newBlockingTarget(t *testing.T) *blockingTarget {
	bt := &blockingTarget{arrived: make(chan string, 16), release: make(chan struct{})}
	bt.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bt.arrived <- string(b)
		select {
		case <-bt.release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(func() {
		bt.unblock()
		bt.Close()
	})
	return bt
}

// waitArrival waits for the target to receive body, failing after 10 s
// (a guard against hanging, not a timing assertion).
func (bt *blockingTarget) waitArrival(t *testing.T, body string) {
	t.Helper()
	select {
	case got := <-bt.arrived:
		if got != body {
			t.Fatalf("forward target got %q, want %q", got, body)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("forward target never got %q while another forward was held", body)
	}
}

// TestVerifyListenForwardDoesNotBlock: while one forward is held by the
// target, an invalid delivery is still answered 401 and a second valid one
// reaches the target (forwarding held one lock).
func TestVerifyListenForwardDoesNotBlock(t *testing.T) {
	bt := newBlockingTarget(t)
	l := startListenProc(t, secretEnv(), "--secret-env", "WH_SECRET", "--forward-to", bt.URL, "--max", "3")
	url := "http://" + l.addr + "/hook"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	results := make(chan int, 2)
	send := func(body string) {
		go func() {
			st, _ := post(ctx, url, hubDelivery(t, listenSecret, []byte(body)), strings.NewReader(body), int64(len(body)))
			results <- st
		}()
	}
	send(`{"n":1}`)
	bt.waitArrival(t, `{"n":1}`)

	// The target holds delivery 1; an invalid delivery is answered anyway.
	bad := hubDelivery(t, "another secret", []byte(`{"n":2}`))
	ictx, icancel := context.WithTimeout(ctx, 10*time.Second)
	st, err := post(ictx, url, bad, strings.NewReader(`{"n":2}`), 7)
	icancel()
	if st != http.StatusUnauthorized {
		t.Errorf("invalid delivery while a forward is held: HTTP %d (%v), want 401", st, err)
	}
	// And another valid one is forwarded alongside.
	send(`{"n":3}`)
	bt.waitArrival(t, `{"n":3}`)
	bt.unblock()
	for range 2 {
		if st := <-results; st != http.StatusAccepted {
			t.Errorf("valid delivery: HTTP %d, want the target's 202", st)
		}
	}
	l.wait(t)
	if n := strings.Count(l.out.String(), "\n"); n != 3 {
		t.Errorf("want 3 whole lines:\n%s", l.out.String())
	}
}

// TestVerifyListenHungForwardTarget: a target that never answers costs one
// delivery --forward-timeout, answered 504, and holds no other delivery.
func TestVerifyListenHungForwardTarget(t *testing.T) {
	bt := newBlockingTarget(t) // never released during the test
	l := startListenProc(t, secretEnv(), "--secret-env", "WH_SECRET", "--forward-to", bt.URL, "--forward-timeout", "1s", "--max", "2", "-o", "json")
	url := "http://" + l.addr + "/hook"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"n":` + strconv.Itoa(i) + `}`
			st, err := post(ctx, url, hubDelivery(t, listenSecret, []byte(body)), strings.NewReader(body), int64(len(body)))
			if st != http.StatusGatewayTimeout {
				t.Errorf("delivery %d to a hung target: HTTP %d (%v), want 504", i, st, err)
			}
		}()
	}
	wg.Wait()
	l.wait(t)
	if c := strings.Count(l.out.String(), `"status":504,"forward_status":null,"forward_error":"`); c != 2 {
		t.Errorf("want two 504 lines with a forward error:\n%s", l.out.String())
	}
}

// stalledBody is a request body that sends a little and then nothing
// until done.
type stalledBody struct {
	sent bool
	done <-chan struct{}
}

func (s *stalledBody) Read(p []byte) (int, error) {
	if !s.sent {
		s.sent = true
		return copy(p, "{"), nil
	}
	<-s.done
	return 0, io.EOF
}

// TestVerifyListenRejectsBeforeBody: a request without signature headers
// is answered 400 without waiting for its body.
func TestVerifyListenRejectsBeforeBody(t *testing.T) {
	l := startListenProc(t, secretEnv(), "--secret-env", "WH_SECRET", "--max", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	st, err := post(ctx, "http://"+l.addr+"/hook", http.Header{"Content-Type": {"application/json"}}, &stalledBody{done: ctx.Done()}, 5<<20)
	cancel()
	if st != http.StatusBadRequest {
		t.Fatalf("no signature headers, body still coming: HTTP %d (%v), want 400 before the body", st, err)
	}
	l.wait(t)
	if !strings.Contains(l.out.String(), "\theaders\t") {
		t.Errorf("stdout:\n%s", l.out.String())
	}
}

// procPeakRSS is a process's peak resident set (VmHWM) in bytes.
func procPeakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestVerifyListenMemoryBounded: 60 concurrent 5 MiB deliveries into a
// listener process (RSS went from 13 MB to 471 MB).
// Each is answered (200, or 503 when the body budget is spent) and the
// process's peak RSS stays far below what buffering them all takes.
func TestVerifyListenMemoryBounded(t *testing.T) {
	l := startListenProc(t, secretEnv(), "--secret-env", "WH_SECRET")
	base := procPeakRSS(t, l.cmd.Process.Pid)
	body := bytes.Repeat([]byte("x"), 5<<20)
	h := hubDelivery(t, listenSecret, body)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _ := post(ctx, "http://"+l.addr+"/hook", h, bytes.NewReader(body), int64(len(body)))
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	peak := procPeakRSS(t, l.cmd.Process.Pid)
	t.Logf("statuses %v, peak RSS %d MiB, %d MiB before the deliveries", statuses, peak>>20, base>>20)
	if statuses[http.StatusOK] == 0 || statuses[http.StatusOK]+statuses[http.StatusServiceUnavailable] != 60 {
		t.Errorf("statuses %v: want every delivery answered 200 or 503, some 200", statuses)
	}
	if growth := peak - base; growth > int64(memoryLimitMiB)<<20 {
		t.Errorf("peak RSS grew by %d MiB, over %d MiB: bodies are not bounded", growth>>20, memoryLimitMiB)
	}
}
