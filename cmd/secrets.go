package cmd

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
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
		Use:   "secrets <command>",
		Short: "See and manage the webhook signing secrets hookctl holds",
		Long: `hookctl keeps each registration's signing secret (current, the previous one
during the provider's overlap, and a pending one while a client-chosen rotation is
under way) in the credential store. These commands show which it holds, never
their values, and let you adopt a registration created elsewhere by storing its
known secret, so verify, rotate-secret (and PwC's update and delete, which prove
ownership with the secret) work on it.`,
	}
	c.AddCommand(newCmdSecretsList(f), newCmdSecretsSet(f), newCmdSecretsRemove(f), newCmdSecretsRevokePrevious(f))
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
	ID string `json:"id"`
	// AtProvider: listed by the provider now; null when it could not be asked.
	AtProvider *bool       `json:"at_provider"`
	Current    *secretInfo `json:"current"`
	Previous   *secretInfo `json:"previous"`
	Pending    *secretInfo `json:"pending"`
}

func newCmdSecretsList(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "Which secrets hookctl holds, per registration (never their values)",
		Long: `For every registration the provider lists, and every one the credential store
has secrets for, show whether hookctl holds its current, previous and pending
secret, when each was stored and until when a previous one is valid. Values are
never shown. Without the provider (offline), only the stored ones are listed.`,
		Example: `  $ hookctl secrets list -p billing
  $ hookctl secrets list -o json --jq '.[] | select(.current == null) | .id'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runSecretsList(c.Context(), f) },
	}
}

func runSecretsList(ctx context.Context, f *Factory) error {
	prov, profile, err := f.Provider()
	if err != nil {
		return err
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	ids := map[string]*bool{}
	regs, lerr := prov.List(ctx, webhook.ListOptions{All: true})
	if lerr != nil {
		warn(f, "could not list the registrations at %s (%v); showing the stored secrets only", prov.Name(), firstLine(lerr.Error()))
	}
	for _, r := range regs {
		at := true
		ids[r.ID] = &at
	}
	stored, err := creds.WebhookIDs(profile.Name)
	if err != nil {
		return err
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
			return err
		}
		rows = append(rows, secretRow{ID: id, AtProvider: at, Current: describeSecret(ws.Current, now),
			Previous: describeSecret(ws.Previous, now), Pending: describeSecret(ws.Pending, now)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	if loc, err := creds.WebhookSecretsLocation(); err == nil {
		notice(f, "%s", loc)
	}
	t := &output.Table{Headers: []string{"ID", "CURRENT", "PREVIOUS", "PENDING", "AT PROVIDER"}}
	for _, r := range rows {
		at := "unknown"
		if r.AtProvider != nil {
			at = map[bool]string{true: "yes", false: "no (deleted elsewhere?)"}[*r.AtProvider]
		}
		t.AddRow(r.ID, secretCell(r.Current, now), secretCell(r.Previous, now), secretCell(r.Pending, now), at)
	}
	return printer.Print(rows, t)
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

type secretsSetOptions struct {
	SecretFile string
	SecretEnv  string
	// fileFlag names the file flag in messages (default --secret-file).
	fileFlag string
}

func newCmdSecretsSet(f *Factory) *cobra.Command {
	opts := &secretsSetOptions{}
	c := &cobra.Command{
		Use:   "set <id> [flags]",
		Short: "Store the known secret of a registration created elsewhere",
		Long: `Store a registration's current signing secret, for a registration hookctl did not
create (or whose secret it lost). The secret comes from --secret-file, from
--secret-env, from stdin when it is not a terminal, or from a prompt; never from
the command line. A secret hookctl held before is kept as previous, valid for the
provider's overlap. The registration must exist at the provider.`,
		Example: `  # adopt a PwC subscription created by another tool
  $ hookctl secrets set 5f0c... --secret-env PWC_SUBSCRIPTION_SECRET
  $ vault kv get -field=secret secret/hooks/whk_1 | hookctl secrets set whk_1`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.SecretFile != "" && opts.SecretEnv != "" {
				return usageErrorf("give one of --secret-file and --secret-env")
			}
			return runSecretsSet(c.Context(), f, opts, args[0])
		},
	}
	c.Flags().StringVar(&opts.SecretFile, "secret-file", "", "read the secret from `FILE` (one trailing newline is dropped)")
	c.Flags().StringVar(&opts.SecretEnv, "secret-env", "", "read the secret from the environment variable `VAR`")
	return c
}

func runSecretsSet(ctx context.Context, f *Factory, opts *secretsSetOptions, id string) error {
	secret, err := readKnownSecret(f, opts)
	if err != nil {
		return err
	}
	prov, profile, err := f.Provider()
	if err != nil {
		return err
	}
	_, spec, err := f.Profile()
	if err != nil {
		return err
	}
	if _, err := prov.Get(ctx, id); err != nil {
		if webhook.KindOf(err) == webhook.KindNotFound {
			return &webhook.Error{Kind: webhook.KindNotFound, Err: err, Msg: "nothing stored"}
		}
		warn(f, "could not check that %s exists at %s (%v); storing its secret anyway", id, prov.Name(), firstLine(err.Error()))
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	if err := creds.StoreCurrent(profile.Name, id, secret, spec.SecretOverlap, f.Now()); err != nil {
		return err
	}
	notice(f, "stored the current secret of %s (profile %s)", id, profile.Name)
	return nil
}

// readKnownSecret reads `secrets set`'s secret from its one source.
func readKnownSecret(f *Factory, opts *secretsSetOptions) (string, error) {
	flag := cmp.Or(opts.fileFlag, "--secret-file")
	var v string
	switch {
	case opts.SecretFile != "":
		fh, err := os.Open(opts.SecretFile)
		if err != nil {
			return "", usageErrorf("%s: %v", flag, err)
		}
		defer fh.Close()
		b, err := io.ReadAll(io.LimitReader(fh, maxSecretInput+1))
		if err != nil {
			return "", usageErrorf("%s: %v", flag, err)
		}
		v = string(b)
	case opts.SecretEnv != "":
		v = f.Getenv(opts.SecretEnv)
		if v == "" {
			return "", usageErrorf("--secret-env: %s is empty or unset", opts.SecretEnv)
		}
	case !f.IO.IsStdinTTY():
		b, err := io.ReadAll(io.LimitReader(f.IO.In, maxSecretInput+1))
		if err != nil {
			return "", err
		}
		v = string(b)
	case f.IO.CanPrompt():
		s, err := readSecretPrompt(f, "Secret: ", int(os.Stdin.Fd()))
		if err != nil {
			return "", err
		}
		v = s
	case opts.fileFlag != "":
		return "", usageErrorf("%s -: nothing on stdin and no terminal to ask on", flag)
	default:
		return "", usageErrorf("give the secret with --secret-file, --secret-env or on stdin")
	}
	if len(v) > maxSecretInput {
		return "", usageErrorf("the secret is longer than %d bytes; give only the secret", maxSecretInput)
	}
	v = strings.TrimSuffix(strings.TrimSuffix(v, "\n"), "\r")
	if v == "" || strings.ContainsAny(v, "\r\n") {
		return "", usageErrorf("the secret must be one non-empty line")
	}
	return v, nil
}

func newCmdSecretsRemove(f *Factory) *cobra.Command {
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
		RunE: func(_ *cobra.Command, args []string) error {
			p, _, err := f.Profile()
			if err != nil {
				return err
			}
			name := p.Name
			if err := confirm(f, fmt.Sprintf("Forget the stored secrets of %s (profile %s)?", args[0], name)); err != nil {
				return err
			}
			creds, err := f.Credentials()
			if err != nil {
				return err
			}
			if err := creds.DeleteWebhookSecrets(name, args[0]); err != nil {
				return err
			}
			notice(f, "forgot the stored secrets of %s", args[0])
			return nil
		},
	}
}

func newCmdSecretsRevokePrevious(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke-previous <id>",
		Short: "End a rotation's overlap now: the provider stops signing with the previous secret (solvimon)",
		Long: `After 'hookctl rotate-secret', the provider keeps signing deliveries with the
previous secret too until the overlap ends (Solvimon: 24 hours). Once the
receiver has the new secret, revoke-previous ends the overlap at once (Solvimon's
DELETE .../secret-key), and hookctl forgets the previous secret, so 'hookctl
verify' stops accepting it.

Solvimon documents the call as "Remove the webhook secret, this will roll the
existing one" without saying whether the current secret survives. hookctl keeps
what Solvimon's answer reports: when the current secret was rolled as well, the
new one is stored as current and a warning says to give it to the receiver
('hookctl rotate-secret ID --redeliver --secret-out FILE' or '--exec CMD').
On a terminal it asks first; without one it needs --yes.`,
		Example: `  $ hookctl rotate-secret whk_1
  # ... deploy the new secret to the receiver, then:
  $ hookctl secrets revoke-previous whk_1 --yes`,
		Args:              exactArgs(1, "one registration id"),
		ValidArgsFunction: completeIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			return runSecretsRevokePrevious(c.Context(), f, args[0])
		},
	}
}

func runSecretsRevokePrevious(ctx context.Context, f *Factory, id string) error {
	prov, profile, err := f.Provider()
	if err != nil {
		return err
	}
	rv, ok := prov.(webhook.PreviousSecretRevoker)
	if !ok {
		return webhook.Unsupported(prov.Name(), "revoking the previous secret")
	}
	_, spec, err := f.Profile()
	if err != nil {
		return err
	}
	creds, err := f.Credentials()
	if err != nil {
		return err
	}
	if err := confirm(f, fmt.Sprintf("Stop %s signing deliveries of %s with the previous secret (profile %s)?", prov.Name(), id, profile.Name)); err != nil {
		return err
	}
	reg, err := rv.RevokePreviousSecret(ctx, id)
	if err != nil {
		return err
	}
	var rolled bool
	err = creds.UpdateWebhookSecrets(profile.Name, id, func(ws *credentials.WebhookSecrets) error {
		rolled = mirrorSecrets(ws, reg, spec.SecretOverlap, f.Now())
		return nil
	})
	if err != nil {
		return &webhook.Error{Kind: webhook.KindOf(err), Err: err,
			Msg: fmt.Sprintf("%s stopped signing %s with the previous secret, but the stored secrets could not be updated", prov.Name(), id)}
	}
	msg := "previous secret revoked"
	if rolled {
		msg += "; the current secret was rolled too"
		warn(f, "%s rolled the current secret of %s as well: deliveries are now signed with a new secret only, stored as current; "+
			"give it to the receiver now: hookctl rotate-secret %s -p %s --redeliver --secret-out FILE (or --exec CMD)", prov.Name(), id, id, profile.Name)
	}
	if reg.PreviousSecret != "" {
		warn(f, "%s still reports a previous secret for %s; it is kept until its overlap ends", prov.Name(), id)
	}
	return printResult(f, id, msg)
}

// mirrorSecrets makes the stored secrets of a registration what the
// provider reports after revoking the previous one: its current secret
// (new when the provider rolled it, which it reports as true), and a
// previous one only where the provider still has one. A pending secret is
// left alone.
func mirrorSecrets(ws *credentials.WebhookSecrets, reg *webhook.Registration, overlap time.Duration, now time.Time) (rolled bool) {
	if reg.Secret != "" && (ws.Current == nil || ws.Current.Value != reg.Secret) {
		rolled = ws.Current != nil
		ws.Current = &credentials.SecretEntry{Value: reg.Secret, StoredAt: now.UTC()}
	}
	switch {
	case reg.PreviousSecret == "":
		ws.Previous = nil
	case ws.Previous == nil || ws.Previous.Value != reg.PreviousSecret:
		from := now
		if reg.SecretRotatedAt != nil {
			from = *reg.SecretRotatedAt
		}
		until := from.Add(overlap).UTC()
		ws.Previous = &credentials.SecretEntry{Value: reg.PreviousSecret, ValidUntil: &until, StoredAt: now.UTC()}
	}
	return rolled
}

// addCurrentSecretFlag adds --current-secret-file to a command that changes
// a registration whose provider wants its current secret as proof (PwC).
func addCurrentSecretFlag(c *cobra.Command, p *string) {
	c.Flags().StringVar(p, "current-secret-file", "", "prove ownership with the registration's current secret read from `FILE` (- for stdin), for this call only, never stored (pwc)")
}

// useCurrentSecret hands the secret of --current-secret-file to the
// provider for id: for one call on a registration whose secret hookctl
// does not hold, without storing it.
func useCurrentSecret(f *Factory, prov webhook.Provider, id, file string) error {
	if file == "" {
		return nil
	}
	p, ok := prov.(webhook.CurrentSecretProver)
	if !ok {
		return webhook.Unsupported(prov.Name(), "--current-secret-file")
	}
	opts := &secretsSetOptions{SecretFile: file, fileFlag: "--current-secret-file"}
	if file == "-" {
		opts.SecretFile = "" // stdin, or a prompt on a terminal
	}
	secret, err := readKnownSecret(f, opts)
	if err != nil {
		return err
	}
	p.UseCurrentSecret(id, secret)
	return nil
}
