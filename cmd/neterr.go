package cmd

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// networkError turns an error that is a failure to reach a provider (no
// answer at all: DNS, refused, TLS, timeout) into a KindNetwork error
// that says where the URL came from (flag, env or profile) and what to
// check, so `-o json` gives scripts the code "network".
func networkError(f *Factory, err error) error {
	if kind := webhook.KindOf(err); kind != webhook.KindError && kind != webhook.KindNetwork {
		return err
	}
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	if !errors.As(err, &ue) || !(errors.As(err, &oe) || errors.As(err, &ne)) {
		return err
	}
	p := f.resolved
	from := "the base URL of profile " + p.Name
	hint := fmt.Sprintf("check the address and the network; `hookctl profile show %s` shows the profile, --base-url or HOOKCTL_BASE_URL overrides it", p.Name)
	switch {
	case p.TokenURL != "" && strings.HasPrefix(ue.URL, p.TokenURL):
		from = "the token URL of profile " + p.Name
		hint = fmt.Sprintf("check the address and the network; `hookctl profile show %s` shows the token URL", p.Name)
	case f.Global.baseURLFrom == "--base-url":
		from = "--base-url"
		hint = "check the address given with --base-url and the network"
	case f.Global.baseURLFrom != "":
		from = f.Global.baseURLFrom
		hint = fmt.Sprintf("check %s and the network; unset it to use the profile's base URL", f.Global.baseURLFrom)
	case p.Name == "":
		from, hint = "the command line", "check the address and the network"
	}
	return (&webhook.Error{Kind: webhook.KindNetwork, Err: err, Msg: "cannot reach " + hostOf(ue.URL) + " (URL from " + from + ")"}).WithHint("%s", hint)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return raw
}
