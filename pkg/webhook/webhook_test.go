package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestExitCodes pins the exit code and JSON code of every kind to the
// table in docs/architecture.md and `hookctl help exit-codes`: scripts branch on them.
func TestExitCodes(t *testing.T) {
	want := map[Kind]struct {
		code int
		name string
	}{
		KindError:       {1, "error"},
		KindUsage:       {2, "usage"},
		KindVerify:      {3, "verification_failed"},
		KindAuth:        {4, "not_authenticated"},
		KindNotFound:    {5, "not_found"},
		KindPartial:     {6, "partial_failure"},
		KindRateLimited: {7, "rate_limited"},
		KindCancelled:   {9, "cancelled"},
		KindNetwork:     {1, "network"},
		KindStorage:     {1, "storage_unavailable"},
		KindChanges:     {8, "changes"},
	}
	for k, w := range want {
		if k.ExitCode() != w.code || k.String() != w.name {
			t.Errorf("kind %d: exit %d %q, want %d %q", k, k.ExitCode(), k.String(), w.code, w.name)
		}
	}
	if len(kindInfo) != len(want) {
		t.Errorf("%d kinds defined, %d pinned here: pin the new one", len(kindInfo), len(want))
	}
	consts := []int{ExitOK, ExitError, ExitUsage, ExitVerifyFailed, ExitAuth, ExitNotFound, ExitPartial, ExitRateLimited, ExitChanges, ExitCancelled, ExitInterrupted}
	if !reflect.DeepEqual(consts, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130}) {
		t.Errorf("exit code constants %v", consts)
	}
}

// TestHintOfThroughWrapping: the hint of a typed error wrapped in an
// untyped one, or in a typed one without a hint, is still found (with -o
// json it is the "hint" key, not buried in the message).
func TestHintOfThroughWrapping(t *testing.T) {
	inner := Errorf(KindStorage, "cannot store").WithHint("use the file")
	for _, err := range []error{
		inner,
		fmt.Errorf("register: %w", inner),
		&Error{Kind: KindStorage, Msg: "nothing was registered", Err: fmt.Errorf("x: %w", inner)},
		errors.Join(errors.New("other"), inner),
	} {
		if got := HintOf(err); got != "use the file" {
			t.Errorf("HintOf(%v) = %q", err, got)
		}
	}
	outer := (&Error{Kind: KindStorage, Msg: "outer", Err: inner}).WithHint("outer hint")
	if got := HintOf(outer); got != "outer hint" {
		t.Errorf("the outer hint goes first: %q", got)
	}
	if got := HintOf(errors.New("plain")); got != "" {
		t.Errorf("no hint: %q", got)
	}
}

// TestKindOfThroughWrapping: a typed error keeps its exit code however
// deeply it is wrapped; anything untyped is a plain error (exit 1).
func TestKindOfThroughWrapping(t *testing.T) {
	nf := NotFound("pexa", "wh_1")
	wrapped := fmt.Errorf("get: %w", fmt.Errorf("profile uk: %w", nf))
	if KindOf(wrapped) != KindNotFound || KindOf(wrapped).ExitCode() != 5 {
		t.Errorf("KindOf(wrapped not-found) = %v", KindOf(wrapped))
	}
	if !errors.Is(wrapped, nf) {
		t.Error("errors.Is lost the typed error")
	}
	for _, err := range []error{errors.New("boom"), nil, fmt.Errorf("x: %w", errors.New("y"))} {
		if KindOf(err) != KindError {
			t.Errorf("KindOf(%v) = %v, want KindError", err, KindOf(err))
		}
	}
	// A typed error wrapping another keeps the outer kind.
	outer := &Error{Kind: KindAuth, Msg: "login", Err: Invalid("bad")}
	if KindOf(outer) != KindAuth || !errors.Is(outer, outer.Err) {
		t.Errorf("outer kind %v", KindOf(outer))
	}
}

func TestErrorMessages(t *testing.T) {
	cause := errors.New("HTTP 401")
	cases := []struct {
		err  *Error
		want string
	}{
		{&Error{Msg: "m"}, "m"},
		{&Error{Err: cause}, "HTTP 401"},
		{&Error{Msg: "m", Err: cause}, "m: HTTP 401"},
		{(&Error{Kind: KindAuth, Msg: "refused", Err: cause}).WithHint("run `hookctl auth login -p %s`", "uk"), "refused: HTTP 401\nrun `hookctl auth login -p uk`"},
		{Unsupported("offblocks", "rotate-secret"), "rotate-secret is not supported by offblocks"},
		{NotFound("pwc", "42"), `pwc: registration "42" not found`},
		{Invalid("--limit must be positive, got %d", -1), "--limit must be positive, got -1"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	if Unsupported("a", "b").Kind.ExitCode() != 2 || NotFound("a", "b").Kind.ExitCode() != 5 || Invalid("x").Kind.ExitCode() != 2 {
		t.Error("Unsupported and Invalid must exit 2, NotFound 5")
	}
}

// TestRegistrationJSON is the output contract: the keys every provider's
// registration has, [] and {} never null, RFC 3339 UTC, null for no expiry
// (the printers turn "" into null too), the
// secret only when set and the previous secret never.
func TestRegistrationJSON(t *testing.T) {
	local := time.FixedZone("AEST", 10*3600)
	created := time.Date(2026, 3, 1, 22, 30, 15, 987654321, local)
	r := Registration{Provider: "pexa", Profile: "au", ID: "r1", URL: "https://a.example/x", Active: true,
		Status: "active", CreatedAt: &created, UpdatedAt: &created, PreviousSecret: "whsec_previous-never-printed"}
	r.Normalize()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"provider":"pexa","profile":"au","id":"r1","name":"","url":"https://a.example/x","events":[],"active":true,` +
		`"secret_expires_at":null,"secret_rotated_at":null,"status":"active","created_at":"2026-03-01T12:30:15Z","updated_at":"2026-03-01T12:30:15Z","extra":{}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	if created.Nanosecond() == 0 || created.Location() != local {
		t.Error("Normalize changed the caller's time")
	}
	r.Secret = "whsec_current"
	b, _ = json.Marshal(r)
	if !strings.Contains(string(b), `"secret":"whsec_current"`) || strings.Contains(string(b), "previous-never-printed") {
		t.Errorf("secret fields: %s", b)
	}
}

func TestApplyEventEdits(t *testing.T) {
	cases := []struct {
		events, add, remove, want []string
	}{
		{[]string{"A", "B"}, []string{"C"}, nil, []string{"A", "B", "C"}},
		{[]string{"A", "B"}, []string{"B", "C", "C"}, []string{"A"}, []string{"B", "C"}},
		{[]string{"A", "A"}, nil, nil, []string{"A"}},
		{[]string{"A"}, []string{"B"}, []string{"B"}, []string{"A"}}, // remove wins
		{nil, nil, []string{"X"}, []string{}},
	}
	for _, tc := range cases {
		events := append([]string(nil), tc.events...)
		got := ApplyEventEdits(events, tc.add, tc.remove)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ApplyEventEdits(%v, +%v, -%v) = %v, want %v", tc.events, tc.add, tc.remove, got, tc.want)
		}
		if !reflect.DeepEqual(events, tc.events) && tc.events != nil {
			t.Errorf("ApplyEventEdits changed its input: %v", events)
		}
	}
}

func TestListOptionsCap(t *testing.T) {
	for _, tc := range []struct {
		o    ListOptions
		want int
	}{{ListOptions{}, 0}, {ListOptions{Limit: 5}, 5}, {ListOptions{All: true, Limit: 5}, 0}} {
		if got := tc.o.Cap(); got != tc.want {
			t.Errorf("%+v.Cap() = %d, want %d", tc.o, got, tc.want)
		}
	}
}
