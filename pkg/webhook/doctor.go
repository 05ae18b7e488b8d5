package webhook

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// CheckStatus is the outcome of one `hookctl doctor` check.
type CheckStatus string

const (
	CheckOK CheckStatus = "ok"
	// CheckFail: something the core loop needs does not hold; the check's
	// Fix says what to do.
	CheckFail CheckStatus = "fail"
	// CheckWarn: it holds, but barely or with a fallback (a clock a minute
	// off, a built-in catalogue standing in for a live one); never changes
	// the exit code.
	CheckWarn CheckStatus = "warn"
	// CheckSkipped: not checked, and Detail says why (nothing to check
	// against, or an earlier check failed).
	CheckSkipped CheckStatus = "skipped"
)

// Label is the status as `doctor` prints it in a table: FAIL in capitals
// so it stands out.
func (s CheckStatus) Label() string {
	if s == CheckFail {
		return "FAIL"
	}
	return string(s)
}

// Check is one line of `hookctl doctor`: a stable name, its status, what
// was seen, and for a failure what to do about it.
type Check struct {
	Name   string      `json:"check" yaml:"check"`
	Status CheckStatus `json:"status" yaml:"status"`
	Detail string      `json:"detail" yaml:"detail"`
	Fix    string      `json:"fix" yaml:"fix"`
}

// Names of the checks every provider gets (pkg/doctor and cmd run them).
// Provider checks (Doctor) add their own names, declared in the
// provider's Spec.DoctorChecks.
const (
	CheckConfig      = "config"
	CheckKeyring     = "keyring"
	CheckCredentials = "credentials"
	CheckList        = "list"
	CheckEvents      = "events"
	CheckClock       = "clock"
	CheckTLS         = "tls"
)

// Names of provider checks shared by several providers.
const (
	// CheckReadPath: the API path hookctl reads one registration with
	// answers (with a registration's id when one exists).
	CheckReadPath = "read-path"
)

// GenericChecks are the checks every profile gets, in the order doctor
// prints them; provider checks come between list and events.
var GenericChecks = []string{CheckConfig, CheckKeyring, CheckCredentials, CheckList, CheckEvents, CheckClock, CheckTLS}

// DoctorEnv is what the generic checks found that a provider's checks
// may use.
type DoctorEnv struct {
	// Registrations are what the list check read (at most a few); empty
	// when there are none or the list failed (ListErr).
	Registrations []Registration
	ListErr       error
}

// FirstID is the id of the first registration listed, "" for none.
func (e DoctorEnv) FirstID() string {
	if len(e.Registrations) == 0 {
		return ""
	}
	return e.Registrations[0].ID
}

// Passed is an ok check.
func Passed(name, format string, args ...any) Check {
	return Check{Name: name, Status: CheckOK, Detail: fmt.Sprintf(format, args...)}
}

// Skipped is a check that was not run, and why.
func Skipped(name, format string, args ...any) Check {
	return Check{Name: name, Status: CheckSkipped, Detail: fmt.Sprintf(format, args...)}
}

// Failed is a failed check from err: its first line as the detail, its
// hint (a *Error's) as the fix, else fix.
func Failed(name string, err error, fix string) Check {
	detail, rest, _ := strings.Cut(err.Error(), "\n")
	var we *Error
	if errors.As(err, &we) && we.Hint != "" {
		fix = we.Hint
	} else if rest != "" && fix == "" {
		fix = strings.ReplaceAll(rest, "\n", " ")
	}
	return Check{Name: name, Status: CheckFail, Detail: detail, Fix: fix}
}

// ReadCheck runs get with the first registration's id: the read path
// hookctl uses for one registration, described as path (e.g. "GET
// /v1/webhooks/{id}"). Skipped when there is no registration to read.
func ReadCheck(ctx context.Context, env DoctorEnv, path string, get func(context.Context, string) (*Registration, error)) Check {
	id := env.FirstID()
	if id == "" {
		if env.ListErr != nil {
			return Skipped(CheckReadPath, "%s not checked: the list failed, so no registration id is known", path)
		}
		return Skipped(CheckReadPath, "%s not checked: the profile has no registration to read yet (run doctor again after `register`)", path)
	}
	if _, err := get(ctx, id); err != nil {
		return Failed(CheckReadPath, err, "")
	}
	return Passed(CheckReadPath, "%s answers (read registration %s)", path, id)
}
