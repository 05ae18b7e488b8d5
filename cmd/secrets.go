package cmd

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/credentials"
	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// maxSecretInput bounds a secret read from a file or stdin.
const maxSecretInput = 64 << 10

// NewCmdSecrets builds `hookctl secrets`: which webhook signing secrets
// hookctl holds, and adopting registrations created elsewhere.
func NewCmdSecrets(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use: "secrets <command>",
		Example: `  $ hookctl secrets list -p billing
  $ hookctl secrets set whk_3354cb22cdfe209a3847 -p billing --secret-env KNOWN_SECRET
  $ hookctl secrets remove whk_3354cb22cdfe209a3847 -p billing --yes`,
		Short: "See and manage the webhook signing secrets hookctl holds",
		Long: `hookctl keeps each registration's signing secret (current, the previous one
during the provider's overlap, and a pending one while a client-chosen rotation is
under way) in the credential store. These commands show which it holds, never
their values, and let you adopt a registration created elsewhere by storing its
known secret, so verify, rotate-secret (and PwC's update and delete, which prove
ownership with the secret) work on it.`,
	}
	c.AddCommand(NewCmdSecretsList(f, nil), NewCmdSecretsSet(f, nil), NewCmdSecretsRemove(f, nil), NewCmdSecretsRevokePrevious(f, nil))
	return c
}

// secretInfo describes one stored secret, never its value.
type secretInfo struct {
	StoredAt   time.Time  `json:"stored_at"`
	ValidUntil *time.Time `json:"valid_until"`
	Expired    bool       `json:"expired"`
}

// secretRow is one registration in `secrets list`.
type secretRow struct {
	Profile string `json:"profile"`
	ID      string `json:"id"`
	// AtProvider: listed by the provider now; null when it could not be asked.
	AtProvider *bool       `json:"at_provider"`
	Current    *secretInfo `json:"current"`
	Previous   *secretInfo `json:"previous"`
	Pending    *secretInfo `json:"pending"`
}

// SecretsListOptions are `hookctl secrets list`'s inputs.
type SecretsListOptions struct {
	F      *Factory
	Select profileSelection
}

// NewCmdSecretsList builds `hookctl secrets list`.
func NewCmdSecretsList(f *Factory, runF func(*SecretsListOptions) error) *cobra.Command {
	opts := &SecretsListOptions{F: f}
	c := &cobra.Command{
		Use:     "list [flags]",
		Aliases: []string{"ls"},
		Short:   "Which secrets hookctl holds, per registration (never their values)",
		Long: `For every registration the provider lists, and every one the credential store
has secrets for, show whether hookctl holds its current, previous and pending
secret, when each was stored and until when a previous one is valid. Values are
never shown. Without the provider (offline), only the stored ones are listed.

--all-profiles, --provider P and -p repeated list the secrets of several
profiles, one after another, with a PROFILE column; the exit code combines
them ('hookctl help exit-codes').`,
		Example: `  $ hookctl secrets list -p billing
  $ hookctl secrets list -o json --jq '.[] | select(.current == null) | .id'

  # the registrations of every profile that have no current secret
  $ hookctl secrets list --all-profiles -o json --jq '.[] | select(.current == null) | .profile + " " + .id'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := opts.Select.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runSecretsList(c.Context(), opts)
		},
	}
	addProfileSelectionFlags(c, f, &opts.Select)
	return c
}

func runSecretsList(ctx context.Context, opts *SecretsListOptions) error {
	f := opts.F
	names, err := opts.Select.profiles(f)
	if err != nil {
		return err
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	rows := []secretRow{}
	listed := 0
	runErr := forEachProfile(ctx, f, names, func(r profileRun) error {
		got, err := profileSecrets(ctx, f, r)
		if err != nil {
			return err
		}
		listed++
		rows = append(rows, got...)
		return nil
	})
	if listed == 0 {
		return runErr
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	if loc, err := creds.WebhookSecretsLocation(); err == nil {
		notice(f, "%s", loc)
	}
	now := f.Now()
	t := &output.Table{Headers: []string{"ID", "CURRENT", "PREVIOUS", "PENDING", "AT PROVIDER"}}
	profiles := make([]string, len(rows))
	for i, r := range rows {
		at := "unknown"
		if r.AtProvider != nil {
			at = map[bool]string{true: "yes", false: "no (deleted elsewhere?)"}[*r.AtProvider]
		}
		t.AddRow(r.ID, secretCell(r.Current, now), secretCell(r.Previous, now), secretCell(r.Pending, now), at)
		profiles[i] = r.Profile
	}
	labelProfiles(t, len(names) > 1, profiles)
	t.Empty = "no registrations, and no stored secrets"
	if err := printer.Print(rows, t); err != nil {
		return err
	}
	return runErr
}

// profileSecrets are the rows of the selected profile: the registrations
// its provider lists and those the store has secrets for, by id.
func profileSecrets(ctx context.Context, f *Factory, r profileRun) ([]secretRow, error) {
	prov, profile, err := f.Provider()
	if err != nil {
		return nil, err
	}
	creds, err := f.Credentials()
	if err != nil {
		return nil, err
	}
	ids := map[string]*bool{}
	regs, lerr := prov.List(ctx, webhook.ListOptions{All: true})
	if lerr != nil {
		warn(f, "%scould not list the registrations at %s (%v); showing the stored secrets only", r.prefix(), prov.Name(), firstLine(lerr.Error()))
	}
	for _, reg := range regs {
		at := true
		ids[reg.ID] = &at
	}
	stored, err := creds.WebhookIDs(profile.Name)
	if err != nil {
		return nil, err
	}
	for _, id := range stored {
		if _, ok := ids[id]; !ok {
			var at *bool
			if lerr == nil {
				no := false
				at = &no
			}
			ids[id] = at
		}
	}
	now := f.Now()
	rows := make([]secretRow, 0, len(ids))
	for id, at := range ids {
		ws, err := creds.WebhookSecrets(profile.Name, id)
		if err != nil {
			return nil, err
		}
		rows = append(rows, secretRow{Profile: profile.Name, ID: id, AtProvider: at, Current: describeSecret(ws.Current, now),
			Previous: describeSecret(ws.Previous, now), Pending: describeSecret(ws.Pending, now)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	return rows, nil
}

func describeSecret(e *credentials.SecretEntry, now time.Time) *secretInfo {
	if e == nil {
		return nil
	}
	return &secretInfo{StoredAt: e.StoredAt.UTC(), ValidUntil: e.ValidUntil, Expired: e.ValidUntil != nil && now.After(*e.ValidUntil)}
}

func secretCell(s *secretInfo, now time.Time) string {
	if s == nil {
		return "-"
	}
	cell := "stored " + output.Duration(now.Sub(s.StoredAt)) + " ago"
	switch {
	case s.Expired:
		cell += ", expired"
	case s.ValidUntil != nil:
		cell += ", valid " + output.Duration(s.ValidUntil.Sub(now)) + " more"
	}
	return cell
}

// SecretsRemoveOptions are `hookctl secrets remove`'s inputs.
type SecretsRemoveOptions struct {
	F  *Factory
	ID string
}

// NewCmdSecretsRemove builds `hookctl secrets remove`.
func NewCmdSecretsRemove(f *Factory, runF func(*SecretsRemoveOptions) error) *cobra.Command {
	opts := &SecretsRemoveOptions{F: f}
	return &cobra.Command{
		Use:     "remove <id>",
		Aliases: []string{"rm"},
		Short:   "Forget the stored secrets of a registration (the provider is not changed)",
		Long: `Forget every secret hookctl holds for a registration: current, previous and
pending. The registration at the provider is not changed. On a terminal it asks
first; without one it needs --yes.`,
		Example:           `  $ hookctl secrets remove whk_1 --yes`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runSecretsRemove(c.Context(), opts)
		},
	}
}

func runSecretsRemove(ctx context.Context, opts *SecretsRemoveOptions) error {
	f := opts.F
	p, _, err := f.Profile()
	if err != nil {
		return err
	}
	name := p.Name
	if err := confirm(ctx, f, fmt.Sprintf("Forget the stored secrets of %s (profile %s)?", opts.ID, name)); err != nil {
		return err
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	if err := creds.DeleteWebhookSecrets(name, opts.ID); err != nil {
		return err
	}
	notice(f, "forgot the stored secrets of %s", opts.ID)
	return nil
}
