// Package doctor runs the checks of `hookctl doctor` that every provider
// gets (credentials, list, event catalogue, clock, TLS) around the ones a
// provider declares itself (webhook.Doctor). Nothing here changes anything
// at the provider: tokens are fetched, lists and registrations read.
// The config and keyring checks need the command's Factory and live in
// cmd.
package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/httpclient"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// Clock skew thresholds against the provider's Date header. Signatures
// carry a timestamp checked against a window (signature.DefaultTolerance,
// 5 minutes, for Standard Webhooks and Solvimon; OffBlocks checks the
// created time of hookctl's signed requests the same way): a skew that
// eats a fifth of it is worth a warning, one as large as it breaks
// verification and signed requests.
const (
	SkewWarn = signature.DefaultTolerance / 5
	SkewFail = signature.DefaultTolerance
)

// listProbe reads a few registrations: enough for a read check's id.
var listProbe = webhook.ListOptions{Limit: 3}

// Names are the checks doctor reports for a provider, in order.
func Names(spec provider.Spec) []string {
	out := slices.Clone(webhook.GenericChecks[:4]) // config .. list
	out = append(out, spec.DoctorChecks...)
	return append(out, webhook.GenericChecks[4:]...)
}

// Input is what Run checks.
type Input struct {
	Provider webhook.Provider
	// Declared are the provider's check names (Spec.DoctorChecks).
	Declared []string
	Observer *Observer
}

// Report is the outcome of Run.
type Report struct {
	Checks []webhook.Check
	// AuthFailed: the provider refused the credentials, or some are
	// missing (exit 4).
	AuthFailed bool
}

// Run runs the network checks in order: credentials, list, the
// provider's own, events, clock, TLS.
func Run(ctx context.Context, in Input) Report {
	var r Report
	prov := in.Provider
	auth, isAuth := prov.(webhook.Authenticator)
	var authErr error
	if isAuth {
		authErr = auth.Authenticate(ctx)
	}
	regs, listErr := []webhook.Registration(nil), error(nil)
	if authErr == nil {
		regs, listErr = prov.List(ctx, listProbe)
	}
	// Without tokens, the list call is what shows the credentials work.
	credErr := authErr
	if !isAuth && webhook.KindOf(listErr) == webhook.KindAuth {
		credErr = listErr
	}
	switch {
	case credErr != nil:
		r.AuthFailed = webhook.KindOf(credErr) == webhook.KindAuth
		c := webhook.Failed(webhook.CheckCredentials, credErr, "check them with `hookctl auth status`")
		if p, ok := prov.(webhook.CredentialsProber); ok {
			if c = p.ProbeCredentials(ctx, c, credErr); len(c.Found) > 0 {
				r.AuthFailed = false // the credentials are fine; a wire detail was not
			}
		}
		r.add(c)
	case isAuth:
		r.add(webhook.Passed(webhook.CheckCredentials, "%s issued a new access token for them (no cached token used)", prov.Name()))
	default:
		r.add(webhook.Passed(webhook.CheckCredentials, "%s accepted them on an authenticated list call (it issues no tokens)", prov.Name()))
	}
	switch {
	case credErr != nil:
		r.add(webhook.Skipped(webhook.CheckList, "not checked: the credentials failed"))
	case listErr != nil:
		r.add(webhook.Failed(webhook.CheckList, listErr, "the credentials must be allowed to list webhook registrations"))
	default:
		r.add(webhook.Passed(webhook.CheckList, "listing is permitted (%s)", countRegs(len(regs))))
	}

	var own []webhook.Check
	if d, ok := prov.(webhook.Doctor); ok && credErr == nil {
		own = d.Checks(ctx, webhook.DoctorEnv{Registrations: regs, ListErr: listErr})
	}
	for _, name := range in.Declared {
		i := slices.IndexFunc(own, func(c webhook.Check) bool { return c.Name == name })
		switch {
		case i >= 0:
			r.add(own[i])
		case credErr != nil:
			r.add(webhook.Skipped(name, "not checked: the credentials failed"))
		default:
			r.add(webhook.Skipped(name, "not checked"))
		}
	}
	for _, c := range own {
		if !slices.Contains(in.Declared, c.Name) {
			// A provider reporting a check its spec does not declare is
			// a bug; show it rather than hide it.
			c.Detail = "(undeclared check) " + c.Detail
			r.add(c)
		}
	}
	r.add(eventsCheck(ctx, prov, credErr))
	x := in.Observer.Exchanges()
	r.add(clockCheck(x))
	r.add(tlsCheck(x))
	return r
}

func (r *Report) add(c webhook.Check) { r.Checks = append(r.Checks, c) }

func countRegs(n int) string {
	switch n {
	case 0:
		return "no registrations yet"
	case 1:
		return "1 registration read"
	}
	return fmt.Sprintf("%d registrations read", n)
}

// eventsCheck: the catalogue register checks event names against, live
// where the provider publishes one.
func eventsCheck(ctx context.Context, prov webhook.Provider, credErr error) webhook.Check {
	cat, err := prov.Events(ctx)
	switch {
	case err != nil && credErr != nil:
		return webhook.Skipped(webhook.CheckEvents, "not checked: the credentials failed")
	case err != nil:
		return webhook.Failed(webhook.CheckEvents, err, "")
	case cat.Fallback != "":
		return webhook.Check{Name: webhook.CheckEvents, Status: webhook.CheckWarn, Detail: cat.Fallback,
			Fix: "register and update still work: event names are checked against the built-in list meanwhile"}
	case cat.Source == webhook.SourceLive:
		return webhook.Passed(webhook.CheckEvents, "%d events, %s", len(cat.Events), cat.About)
	case cat.Source == webhook.SourceSubscriptions:
		return webhook.Skipped(webhook.CheckEvents, "%s", cat.About)
	}
	return webhook.Skipped(webhook.CheckEvents, "%s has no API that lists events: %s", prov.Name(), cat.About)
}

// clockCheck compares our clock with the Date header of the provider's
// last answer that had one.
func clockCheck(xs []Exchange) webhook.Check {
	var last *Exchange
	for i := range xs {
		if !xs[i].Date.IsZero() {
			last = &xs[i]
		}
	}
	if last == nil {
		return webhook.Skipped(webhook.CheckClock, "no answer carried a Date header to compare with")
	}
	// Date has whole seconds: anything under one is noise.
	skew := last.At.Sub(last.Date).Truncate(time.Second)
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	detail := fmt.Sprintf("this machine's clock is %s %s %s's Date header", abs, dir, last.Host)
	if abs <= time.Second {
		detail = fmt.Sprintf("this machine's clock agrees with %s's Date header (within 1s)", last.Host)
	}
	fix := "synchronise this machine's clock (NTP, e.g. `timedatectl set-ntp true`)"
	switch {
	case abs >= SkewFail:
		return webhook.Check{Name: webhook.CheckClock, Status: webhook.CheckFail, Fix: fix,
			Detail: detail + fmt.Sprintf("; signature timestamps are only accepted within %s, so verify and signed requests fail", signature.DefaultTolerance)}
	case abs > SkewWarn:
		return webhook.Check{Name: webhook.CheckClock, Status: webhook.CheckWarn, Fix: fix,
			Detail: detail + fmt.Sprintf("; that uses up part of the %s signature tolerance", signature.DefaultTolerance)}
	}
	return webhook.Passed(webhook.CheckClock, "%s", detail)
}

// tlsCheck judges every host the checks talked to: https with a verified
// certificate; plain http only to loopback (hookctl's sandbox), which is
// skipped, since there is no TLS to check.
func tlsCheck(xs []Exchange) webhook.Check {
	type hostState struct {
		scheme string
		tls    *tls.ConnectionState
		err    error
	}
	hosts := map[string]*hostState{}
	for _, x := range xs {
		h := hosts[x.Host]
		if h == nil {
			h = &hostState{scheme: x.Scheme}
			hosts[x.Host] = h
		}
		if x.TLS != nil {
			h.tls = x.TLS
		}
		if x.Err != nil && certError(x.Err) {
			h.err = x.Err
		}
	}
	if len(hosts) == 0 {
		return webhook.Skipped(webhook.CheckTLS, "no request reached the provider")
	}
	names := make([]string, 0, len(hosts))
	for n := range hosts {
		names = append(names, n)
	}
	sort.Strings(names)
	var ok, plain []string
	for _, n := range names {
		h := hosts[n]
		hostname, _, err := net.SplitHostPort(n)
		if err != nil {
			hostname = n
		}
		switch {
		case h.err != nil:
			return webhook.Failed(webhook.CheckTLS, fmt.Errorf("%s: the certificate was not accepted: %w", n, h.err),
				"the host's certificate must chain to a CA this machine trusts and name the host; behind a TLS-intercepting proxy, add its CA to the system trust store (hookctl never skips verification)")
		case h.scheme == "https" && h.tls != nil && len(h.tls.VerifiedChains) > 0:
			ok = append(ok, fmt.Sprintf("%s (%s)", n, tls.VersionName(h.tls.Version)))
		case h.scheme == "https":
			ok = append(ok, n)
		case httpclient.IsLoopback(hostname):
			plain = append(plain, n)
		default:
			return webhook.Check{Name: webhook.CheckTLS, Status: webhook.CheckFail,
				Detail: fmt.Sprintf("%s is plain %s: credentials would cross the network unencrypted", n, h.scheme),
				Fix:    "use the provider's https:// base URL (`hookctl profile add NAME ... --base-url https://...`)"}
		}
	}
	if len(ok) == 0 {
		return webhook.Skipped(webhook.CheckTLS, "plain http on loopback (%s): hookctl's sandbox, no TLS to check", strings.Join(plain, ", "))
	}
	d := "https with a verified certificate: " + strings.Join(ok, ", ")
	if len(plain) > 0 {
		d += "; plain http on loopback: " + strings.Join(plain, ", ")
	}
	return webhook.Passed(webhook.CheckTLS, "%s", d)
}

func certError(err error) bool {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var tv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &tv)
}
