package cmd

// send-test and penalty-box: operations on the provider's own deliveries
// (Solvimon today), apart from the event catalogue in events.go.

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// SendTestOptions are `hookctl send-test`'s inputs.
type SendTestOptions struct {
	F  *Factory
	ID string
}

// NewCmdSendTest builds `hookctl send-test` (Solvimon).
func NewCmdSendTest(f *Factory, runF func(*SendTestOptions) error) *cobra.Command {
	opts := &SendTestOptions{F: f}
	return &cobra.Command{
		Use:               "send-test <id>",
		Example:           `  $ hookctl send-test whk_3354cb22cdfe209a3847 -p billing`,
		Short:             "Ask the provider to send a test delivery (solvimon)",
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runOnID(f, opts.ID, "send-test", func(t webhook.Tester) (string, error) { return t.SendTest(c.Context(), opts.ID) })
		},
	}
}

// NewCmdPenaltyBox builds `hookctl penalty-box` (Solvimon).
func NewCmdPenaltyBox(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use: "penalty-box <command>",
		Example: `  $ hookctl penalty-box list -p billing
  $ hookctl penalty-box resend whk_3354cb22cdfe209a3847 -p billing`,
		Short: "List parked endpoints and resend their payloads (solvimon)",
	}
	c.AddCommand(NewCmdPenaltyBoxList(f, nil), NewCmdPenaltyBoxResend(f, nil))
	return c
}

// PenaltyBoxListOptions are `hookctl penalty-box list`'s inputs.
type PenaltyBoxListOptions struct {
	F *Factory
}

// NewCmdPenaltyBoxList builds `hookctl penalty-box list`.
func NewCmdPenaltyBoxList(f *Factory, runF func(*PenaltyBoxListOptions) error) *cobra.Command {
	opts := &PenaltyBoxListOptions{F: f}
	return &cobra.Command{
		Use: "list",
		Example: `  $ hookctl penalty-box list -p billing
  $ hookctl penalty-box list -p billing -o json --jq '.[].id'`,
		Short: "List registrations in the penalty box",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runPenaltyBoxList(c.Context(), opts)
		},
	}
}

func runPenaltyBoxList(ctx context.Context, opts *PenaltyBoxListOptions) error {
	prov, _, err := opts.F.Provider()
	if err != nil {
		return err
	}
	if _, ok := prov.(webhook.PenaltyBox); !ok {
		return webhook.Unsupported(prov.Name(), "the penalty box")
	}
	return runList(ctx, &ListOptions{F: opts.F, All: true, Status: webhook.StatusPenaltyBox})
}

// PenaltyBoxResendOptions are `hookctl penalty-box resend`'s inputs.
type PenaltyBoxResendOptions struct {
	F  *Factory
	ID string
}

// NewCmdPenaltyBoxResend builds `hookctl penalty-box resend`.
func NewCmdPenaltyBoxResend(f *Factory, runF func(*PenaltyBoxResendOptions) error) *cobra.Command {
	opts := &PenaltyBoxResendOptions{F: f}
	return &cobra.Command{
		Use:   "resend <id>",
		Short: "Resend the parked payload now; once the endpoint takes it, the webhook leaves the penalty box",
		Long: `Push the payload the provider parked for a failing endpoint now (Solvimon's
send-penalty-box-payload). When the endpoint accepts it, the provider takes the
webhook out of the penalty box; when it fails again, the retry is counted and the
command exits 1 with the provider's answer. Solvimon has no call that empties the
box without delivering.`,
		Example: `  $ hookctl penalty-box list -p billing
  $ hookctl penalty-box resend whk_3354cb22cdfe209a3847 -p billing`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runOnID(f, opts.ID, "the penalty box", func(pb webhook.PenaltyBox) (string, error) {
				return pb.ResendPenaltyBox(c.Context(), opts.ID)
			})
		},
	}
}

// runOnID runs capability T of the profile's provider on registration id
// and prints the provider's answer; a provider without T is Unsupported
// (what names the feature).
func runOnID[T any](f *Factory, id, what string, call func(T) (string, error)) error {
	prov, _, err := f.Provider()
	if err != nil {
		return err
	}
	capab, ok := prov.(T)
	if !ok {
		return webhook.Unsupported(prov.Name(), what)
	}
	msg, err := call(capab)
	if err != nil {
		return err
	}
	return printResult(f, id, msg)
}
