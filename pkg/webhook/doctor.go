package webhook

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hookctl/hookctl/internal/base/text"
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
	// Found are profile settings a read-only probe found working where
	// the profile's own value failed (setting name → value); `doctor
	// --fix` writes them into the profile. Empty when nothing was probed
	// or no alternative worked.
	Found map[string]string `json:"found" yaml:"found"`
	// Probes is how many requests the check sent trying alternatives to
	// the profile's value (0 when it tried none).
	Probes int `json:"probes" yaml:"probes"`
}

// Probe is a read-only attempt of one alternative value of a profile
// setting: Try sends one request (besides a token its client may fetch),
// changes nothing at the provider, and returns nil when the provider
// accepts the alternative.
type Probe struct {
	// Settings are the profile settings the alternative consists of.
	Settings map[string]string
	// Label says what is tried, e.g. "GET /v1/verification-key".
	Label string
	Try   func(context.Context) error
}

// MaxProbes bounds the requests one check may send trying alternatives:
// a doctor run stays a handful of reads per fact.
const MaxProbes = 5

// RunProbes tries probes in order (at most MaxProbes) after the
// profile's own value of setting failed, and turns the outcome into c:
// the first alternative the provider accepts goes into c.Found and is
// named in the fix; none accepted leaves c failed and says what was
// tried. c must be a failed check.
func RunProbes(ctx context.Context, c Check, profile, setting string, probes []Probe) Check {
	if len(probes) > MaxProbes {
		probes = probes[:MaxProbes]
	}
	var tried []string
	for _, p := range probes {
		if ctx.Err() != nil {
			break
		}
		c.Probes++
		err := p.Try(ctx)
		if err == nil {
			c.Found = p.Settings
			c.Fix = fmt.Sprintf("%s works for this account (found with %s): `hookctl doctor --fix -p %s` writes %s into the profile",
				p.Label, probeWords(c.Probes), profile, settingWords(p.Settings))
			return c
		}
		tried = append(tried, p.Label)
	}
	if len(tried) > 0 {
		c.Detail += fmt.Sprintf("; no alternative %s works either (tried %d, read-only: %s)", setting, len(tried), strings.Join(tried, "; "))
	}
	return c
}

func probeWords(n int) string {
	if n == 1 {
		return "1 read-only request"
	}
	return fmt.Sprintf("%d read-only requests", n)
}

// settingWords lists settings as `name=value`, sorted.
func settingWords(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = "`" + k + "=" + m[k] + "`"
	}
	return strings.Join(keys, ", ")
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
// hint (a *Error's, wrapped or not) as the fix, else fix. The fix is one
// line of text (text.OneLine): a hint listing its ways out one a line
// would show each newline as \x0a in the table.
func Failed(name string, err error, fix string) Check {
	detail, rest, _ := strings.Cut(err.Error(), "\n")
	if h := HintOf(err); h != "" {
		fix = h
	} else if rest != "" && fix == "" {
		fix = rest
	}
	return Check{Name: name, Status: CheckFail, Detail: detail, Fix: text.OneLine(fix)}
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
