package cmd

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// DeliveriesOptions are `hookctl deliveries list`'s inputs, and the
// filters `deliveries resend` shares.
type DeliveriesOptions struct {
	F      *Factory
	ID     string
	Since  time.Duration
	Status string
}

// NewCmdDeliveries builds `hookctl deliveries` (list, resend).
func NewCmdDeliveries(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use: "deliveries <command>",
		Example: `  $ hookctl deliveries list whk_3354cb22cdfe209a3847 --status failed --since 24h
  $ hookctl deliveries resend whe_5a1f0c3b9d2e4f60a7b8
  $ hookctl deliveries resend --status failed --since 24h --yes`,
		Short: "See the provider's delivery attempts and send failed ones again",
		Long: `The delivery attempts the provider logs: PwC's subscription history, Solvimon's
webhook events. Providers whose API has no delivery log (OffBlocks, and PEXA,
whose UK paths are not published) answer "not supported", exit 2.`,
	}
	c.AddCommand(NewCmdDeliveriesList(f, nil), NewCmdDeliveriesResend(f, nil))
	return c
}

// NewCmdDeliveriesList builds `hookctl deliveries list`.
func NewCmdDeliveriesList(f *Factory, runF func(*DeliveriesOptions) error) *cobra.Command {
	opts := &DeliveriesOptions{F: f}
	c := &cobra.Command{
		Use:   "list <id> [flags]",
		Short: "List a registration's delivery attempts, newest first",
		Long: `List the delivery attempts the provider logged for a registration, newest first:
time, event, status, the receiver's HTTP status and the provider's description.
The ID column is what 'hookctl deliveries resend' takes. For a Solvimon webhook
in the penalty box, a warning on stderr says so.`,
		Example: `  # Solvimon: the failed deliveries of the last day
  $ hookctl deliveries list whk_8f3a2c1d9e7b6a5f4c3d -p billing --status failed --since 24h

  # PwC: a subscription's history as JSON
  $ hookctl deliveries list 5f0c8e2a-41d7-4b9e-9c3a-7d2e1f6b8a90 -p reports -o json`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := checkDeliveryStatus(opts.Status); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runDeliveriesList(c.Context(), opts)
		},
	}
	addDeliveryFilters(c, opts)
	return c
}

// addDeliveryFilters adds --since and --status.
func addDeliveryFilters(c *cobra.Command, opts *DeliveriesOptions) {
	c.Flags().Var(output.DurationValue{P: &opts.Since}, "since", "only attempts within the last `DUR` (e.g. 24h, 2d)")
	c.Flags().StringVar(&opts.Status, "status", "", "only deliveries in `STATUS`: "+strings.Join(webhook.DeliveryStatuses, ", "))
	_ = c.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(webhook.DeliveryStatuses, cobra.ShellCompDirectiveNoFileComp))
}

func checkDeliveryStatus(s string) error {
	if s != "" && !slices.Contains(webhook.DeliveryStatuses, strings.ToLower(s)) {
		return usageErrorf("--status %q: want one of %s", s, strings.Join(webhook.DeliveryStatuses, ", "))
	}
	return nil
}

func (o *DeliveriesOptions) query() webhook.DeliveryQuery {
	q := webhook.DeliveryQuery{Status: strings.ToLower(o.Status)}
	if o.Since > 0 {
		q.Since = o.F.Now().Add(-o.Since)
	}
	return q
}

// deliveryLog is the profile's provider as a DeliveryLog, or the
// "not supported" error naming what its API lacks.
func deliveryLog(prov webhook.Provider) (webhook.DeliveryLog, error) {
	if dl, ok := prov.(webhook.DeliveryLog); ok {
		return dl, nil
	}
	return nil, deliveriesUnsupported(prov, "deliveries list", false)
}

func deliveriesUnsupported(prov webhook.Provider, what string, resend bool) error {
	err := webhook.Unsupported(prov.Name(), what)
	if h, ok := prov.(webhook.DeliveryHinter); ok {
		err.Msg += ": " + h.DeliveryHint(resend)
	}
	return err
}

func runDeliveriesList(ctx context.Context, opts *DeliveriesOptions) error {
	prov, _, err := opts.F.Provider()
	if err != nil {
		return err
	}
	dl, err := deliveryLog(prov)
	if err != nil {
		return err
	}
	ds, err := dl.Deliveries(ctx, opts.ID, opts.query())
	if err != nil {
		return err
	}
	if _, ok := prov.(webhook.PenaltyBox); ok {
		warnPenaltyBox(ctx, opts.F, prov, opts.ID)
	}
	printer, err := opts.F.Printer()
	if err != nil {
		return err
	}
	t := deliveriesTable(ds)
	t.Empty = "no deliveries"
	return printer.Print(ds, t)
}

// warnPenaltyBox says on stderr when the registration is parked (Solvimon):
// later deliveries queue behind the parked one.
func warnPenaltyBox(ctx context.Context, f *Factory, prov webhook.Provider, id string) {
	reg, err := prov.Get(ctx, id)
	if err != nil || reg.Status != webhook.StatusPenaltyBox {
		return
	}
	detail := ""
	if pb, ok := reg.Extra["penalty_box_data"].(map[string]any); ok {
		detail = fmt.Sprintf(" (retries %v, next at %v, cause: %s)", pb["retry_count"], pb["retry_at"], output.Sanitize(fmt.Sprint(pb["cause"])))
	}
	warnCode(f, "penalty_box", "%s is in the penalty box%s; `hookctl penalty-box resend %s` pushes the parked payload", id, detail, id)
}

func deliveriesTable(ds []webhook.Delivery) *output.Table {
	t := &output.Table{Headers: []string{"ID", "ATTEMPTED", "EVENT", "STATUS", "HTTP", "DESCRIPTION"}}
	for _, d := range ds {
		ev := d.Event
		if d.EventID != "" {
			ev = strings.TrimSpace(ev + " " + d.EventID)
		}
		code := "-"
		if d.HTTPStatus != 0 {
			code = fmt.Sprint(d.HTTPStatus)
		}
		t.AddRow(d.ID, output.Time(d.AttemptedAt), ev, d.Status, code, firstLine(d.Description))
	}
	return t
}
