package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// NewCmdKeys builds `hookctl keys`.
func NewCmdKeys(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use: "keys <command>",
		Example: `  # OffBlocks: create the request-signing key pair and register it
  $ hookctl keys generate -p cards
  $ hookctl keys upload -p cards

  # PwC: the key whose public half encrypts the secrets PwC returns
  $ hookctl keys generate -p filings
  $ hookctl keys show -p filings -o json`,
		Short: "Manage the client key pair (offblocks request signing, pwc secret encryption)",
		Long: `Manage the profile's client key pair. The private key is stored in the keyring
and never printed; 'keys show' prints the public half; 'keys upload'
registers it where the provider's API takes it.
` + generatedKeysHelp(),
	}
	c.AddCommand(NewCmdKeysGenerate(f, nil), NewCmdKeysShow(f, nil), NewCmdKeysUpload(f, nil), NewCmdKeysRemove(f, nil), NewCmdKeysVerificationKey(f, nil))
	return c
}

// KeysGenerateOptions are `hookctl keys generate`'s inputs.
type KeysGenerateOptions struct {
	F     *Factory
	Force bool
}

// NewCmdKeysGenerate builds `hookctl keys generate`.
func NewCmdKeysGenerate(f *Factory, runF func(*KeysGenerateOptions) error) *cobra.Command {
	opts := &KeysGenerateOptions{F: f}
	c := &cobra.Command{
		Use: "generate",
		Example: `  $ hookctl keys generate -p cards
  $ hookctl keys generate -p cards --force   # replace an existing key`,
		Short: "Create a key pair and store the private key in the keyring",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runKeys(c.Context(), f, func(ctx context.Context, km webhook.KeyManager, _ webhook.Provider) (*webhook.PublicKeyInfo, error) {
				return km.GenerateKey(ctx, opts.Force)
			})
		},
	}
	c.Flags().BoolVar(&opts.Force, "force", false, "replace an existing key pair")
	return c
}

// KeysShowOptions are `hookctl keys show`'s inputs.
type KeysShowOptions struct {
	F *Factory
}

// NewCmdKeysShow builds `hookctl keys show`.
func NewCmdKeysShow(f *Factory, runF func(*KeysShowOptions) error) *cobra.Command {
	opts := &KeysShowOptions{F: f}
	return &cobra.Command{
		Use: "show",
		Example: `  $ hookctl keys show -p cards
  $ hookctl keys show -p filings -o json --jq .extra.xml`,
		Short: "Print the public key (PEM and base64)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runKeys(c.Context(), f, func(ctx context.Context, km webhook.KeyManager, _ webhook.Provider) (*webhook.PublicKeyInfo, error) {
				return km.PublicKey(ctx)
			})
		},
	}
}

// KeysUploadOptions are `hookctl keys upload`'s inputs.
type KeysUploadOptions struct {
	F *Factory
}

// NewCmdKeysUpload builds `hookctl keys upload`.
func NewCmdKeysUpload(f *Factory, runF func(*KeysUploadOptions) error) *cobra.Command {
	opts := &KeysUploadOptions{F: f}
	return &cobra.Command{
		Use:     "upload",
		Example: `  $ hookctl keys upload -p cards`,
		Short:   "Register the public key with the provider (offblocks)",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runKeys(c.Context(), f, func(ctx context.Context, _ webhook.KeyManager, p webhook.Provider) (*webhook.PublicKeyInfo, error) {
				ku, ok := p.(webhook.KeyUploader)
				if !ok {
					return nil, webhook.Unsupported(p.Name(), "keys upload")
				}
				return ku.UploadKey(ctx)
			})
		},
	}
}

// KeysRemoveOptions are `hookctl keys remove`'s inputs.
type KeysRemoveOptions struct {
	F *Factory
}

// NewCmdKeysRemove builds `hookctl keys remove`.
func NewCmdKeysRemove(f *Factory, runF func(*KeysRemoveOptions) error) *cobra.Command {
	opts := &KeysRemoveOptions{F: f}
	return &cobra.Command{
		Use: "remove",
		Example: `  $ hookctl keys remove -p cards
  $ hookctl keys remove -p cards --yes   # without a terminal`,
		Short: "Remove the registered public key at the provider (offblocks)",
		Long: `Remove the public key registered with the provider (OffBlocks:
DELETE /v1/auth/signing). Requests signed with it stop working at once,
so every command of the profile fails until a key is uploaded again. The
private key stays in the keyring: 'keys upload' registers it again, or
'keys generate --force' then 'keys upload' replaces it. Asks on a terminal;
needs --yes without one.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runKeysRemove(c.Context(), opts)
		},
	}
}

func runKeysRemove(ctx context.Context, opts *KeysRemoveOptions) error {
	f := opts.F
	prov, profile, err := f.Provider()
	if err != nil {
		return err
	}
	kr, ok := prov.(webhook.KeyRemover)
	if !ok {
		return webhook.Unsupported(prov.Name(), "keys remove")
	}
	if err := confirm(ctx, f, fmt.Sprintf("Remove profile %s's signing key at %s? Its requests fail until a key is uploaded again.", profile.Name, prov.Name())); err != nil {
		return err
	}
	if err := kr.RemoveKey(ctx); err != nil {
		return err
	}
	notice(f, "removed the signing key of profile %s at %s; `hookctl keys upload -p %s` registers it again", profile.Name, prov.Name(), profile.Name)
	return nil
}

func runKeys(ctx context.Context, f *Factory, op func(context.Context, webhook.KeyManager, webhook.Provider) (*webhook.PublicKeyInfo, error)) error {
	prov, _, err := f.Provider()
	if err != nil {
		return err
	}
	km, ok := prov.(webhook.KeyManager)
	if !ok {
		return webhook.Unsupported(prov.Name(), "a client key pair")
	}
	info, err := op(ctx, km, prov)
	if err != nil {
		return err
	}
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	if !printer.Structured() {
		if info.KeyID != "" {
			notice(f, "key id: %s", info.KeyID)
		}
		notice(f, "%s public key:", info.Algorithm)
		_, err := f.IO.Out.Write([]byte(info.PEM))
		return err
	}
	return printer.Print(info, (*output.Table)(nil))
}
