package cmd

// Flags and checks that register and update share.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/config"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/providers"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// checkEventsGiven refuses a register or update that would leave a
// registration without events unless --all-events says so, and
// --all-events where the provider has no "every event". Both are usage
// errors (exit 2) before any request.
// none says what is wrong when events is empty.
func checkEventsGiven(spec provider.Spec, profile string, events []string, all bool, none string) error {
	switch {
	case all && !spec.AllEvents.Supported():
		return webhook.Unsupported(spec.Name, "--all-events").WithHint("%s; name the events with --event (`hookctl events -p %s` lists them)", spec.AllEvents.Refusal, profile)
	case !all && len(events) == 0:
		return webhook.Invalid("%s: a registration names its events (an empty list is never read as \"every event\")", none).
			WithHint("name them with --event (`hookctl events -p %s` lists them); %s", profile, spec.AllEvents.Alternative(spec.Name, "--all-events"))
	}
	return nil
}

// allEventsUsage is --all-events' one-line help: which providers take it.
func allEventsUsage(verb string) string {
	var yes, no []string
	for _, s := range providers.All() {
		if s.AllEvents.Supported() {
			yes = append(yes, s.Name)
		} else {
			no = append(no, s.Name)
		}
	}
	return fmt.Sprintf("%s every event the provider documents instead of naming them (%s; refused by %s; see --help)", verb, strings.Join(yes, ", "), strings.Join(no, ", "))
}

// allEventsHelp says, one provider a line, what --all-events sends.
func allEventsHelp() string {
	var b strings.Builder
	for _, s := range providers.All() {
		what := s.AllEvents.Sends
		if !s.AllEvents.Supported() {
			what = "refused: " + s.AllEvents.Refusal
		}
		for i, line := range output.WrapWords(what, 66) {
			name := ""
			if i == 0 {
				name = s.Name
			}
			fmt.Fprintf(&b, "  %-10s %s\n", name, line)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// addActiveFlags adds --active and --inactive, the pair register and
// update both take.
func addActiveFlags(c *cobra.Command, active, inactive string) {
	c.Flags().Bool("active", false, active)
	c.Flags().Bool("inactive", false, inactive)
}

// activeFlags reads --active/--inactive: *inactive is true for
// --inactive or --active=false. It reports whether either was given.
func activeFlags(c *cobra.Command, inactive *bool) error {
	fl := c.Flags()
	a, _ := fl.GetBool("active")
	i, _ := fl.GetBool("inactive")
	if fl.Changed("active") && fl.Changed("inactive") {
		return usageErrorf("give --active or --inactive, not both")
	}
	*inactive = (fl.Changed("inactive") && i) || (fl.Changed("active") && !a)
	return nil
}

// addParamFlags adds every provider's register/update params as flags; each
// says which providers use it, and adapters reject ones they don't know.
func addParamFlags(c *cobra.Command) map[string]*string {
	params := map[string]*string{}
	usage := map[string][]string{}
	text := map[string]string{}
	var order []string
	for _, spec := range providers.All() {
		for _, p := range spec.Params {
			if _, seen := text[p.Name]; !seen {
				order = append(order, p.Name)
				text[p.Name] = p.Usage
			}
			usage[p.Name] = append(usage[p.Name], spec.Name)
		}
	}
	for _, name := range order {
		params[name] = c.Flags().String(name, "", fmt.Sprintf("%s (%s)", text[name], strings.Join(usage[name], ", ")))
	}
	return params
}

// setParams returns the params the user set.
func setParams(c *cobra.Command, params map[string]*string) map[string]string {
	out := map[string]string{}
	for name, v := range params {
		if c.Flags().Changed(name) {
			out[name] = *v
		}
	}
	return out
}

// addStrictEventsFlag adds --strict-events to a command that takes events,
// setting *dst only when it is given (nil: the profile's strict-events
// setting decides).
func addStrictEventsFlag(c *cobra.Command, dst **bool) {
	c.Flags().VarPF(&optionalBool{dst}, "strict-events", "", "refuse event names missing from the provider's catalogue instead of sending them with a warning (default: the profile's strict-events setting)").NoOptDefVal = "true"
}

// optionalBool is a boolean flag value that stays nil until given.
type optionalBool struct{ v **bool }

func (o *optionalBool) String() string {
	if o.v == nil || *o.v == nil {
		return "false"
	}
	return strconv.FormatBool(**o.v)
}

func (o *optionalBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*o.v = &b
	return nil
}

func (o *optionalBool) Type() string { return "bool" }

// checkEventNames checks the event names given to register or update
// against the provider's catalogue: catalogues are incomplete,
// so a name missing there is sent with a warning naming the closest known
// ones, and the provider decides; with --strict-events (or the profile's
// strict-events) it is refused before any request, exit 2.
func checkEventNames(ctx context.Context, f *Factory, prov webhook.Provider, profile config.Profile, names []string, strictFlag *bool) error {
	strict := profile.Setting(provider.FieldStrictEvents) == "true"
	if strictFlag != nil {
		strict = *strictFlag
	}
	ec, ok := prov.(webhook.EventChecker)
	if !ok {
		if strict {
			return webhook.Unsupported(prov.Name(), "--strict-events").WithHint("%s publishes no event names to check against; `hookctl events -p %s` lists the names your registrations use", prov.Name(), profile.Name)
		}
		return nil
	}
	if len(names) == 0 {
		return nil
	}
	cat, err := ec.EventsToCheck(ctx, names)
	if err != nil {
		return err
	}
	unknown := webhook.UnknownEvents(names, cat.Names())
	if len(unknown) == 0 {
		return nil
	}
	if cat.Fallback != "" {
		warnCode(f, "events_fallback", "%s", cat.Fallback)
	}
	if cat.Source == webhook.SourceLive {
		// The provider's own list, read just now: it would refuse the
		// name, so say so here, before anything is sent.
		var parts []string
		for _, u := range unknown {
			parts = append(parts, u.Name+suggestion(u))
		}
		return webhook.Invalid("%s: not in %s: %s", prov.Name(), cat.Name, strings.Join(parts, "; ")).WithHint(
			"see `hookctl events -p %s` for the events %s offers", profile.Name, prov.Name())
	}
	if strict {
		var parts []string
		for _, u := range unknown {
			parts = append(parts, u.Name+suggestion(u))
		}
		return webhook.Invalid("%s: --strict-events refuses event names not in %s: %s", prov.Name(), cat.Name, strings.Join(parts, "; ")).WithHint(
			"see `hookctl events -p %s`; without --strict-events (and the profile's strict-events setting) such names are sent with a warning and %s decides",
			profile.Name, prov.Name())
	}
	for _, u := range unknown {
		warnCode(f, "unknown_event", "%s is not in %s%s; sent anyway, %s decides (--strict-events refuses such names)", u.Name, cat.Name, suggestion(u), prov.Name())
	}
	return nil
}

// suggestion is " (did you mean X?)", " (closest: A, B)" or "".
func suggestion(u webhook.UnknownEvent) string {
	if s := u.Suggestion(); s != "" {
		return " (" + s + ")"
	}
	return ""
}
