package cmd

// What every bulk write shares (rotate-secret, deliveries resend): the
// --rate limit on the provider's HTTP client. The concurrency and the
// per-item loop are pkg/bulkrun's (bulkrun.Each).

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/time/rate"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// parseRate reads "N/s", "N/m" or "N" (per second); 0 is unlimited.
func parseRate(s string) (rate.Limit, error) {
	n, unit, _ := strings.Cut(s, "/")
	v, err := strconv.ParseFloat(n, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not N/s", s)
	}
	switch unit {
	case "", "s":
	case "m":
		v /= 60
	default:
		return 0, fmt.Errorf("%q: unit must be s or m", s)
	}
	if v == 0 {
		return rate.Inf, nil
	}
	return rate.Limit(v), nil
}

// rateLimitedProvider builds the profile's provider over an HTTP client
// whose every attempt, retries included, waits for the --rate limiter:
// the provider of every bulk write (rotate-secret, deliveries resend).
func rateLimitedProvider(f *Factory, rateFlag string) (webhook.Provider, config.Profile, error) {
	p, spec, err := f.Profile()
	if err != nil {
		return nil, p, err
	}
	deps, err := f.Deps(p)
	if err != nil {
		return nil, p, err
	}
	if hc := rateLimitedHTTP(f, rateFlag); hc != nil {
		deps.HTTP = hc
	}
	prov, err := spec.New(deps)
	return prov, p, err
}

// defaultRate keeps a bulk run well under common provider limits.
const defaultRate = "10/s"
