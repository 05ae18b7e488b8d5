package cmd

// A delivery as a raw HTTP request, for `verify --request-file`: what
// `sandbox deliver --out` and `ping --out` write.

import (
	"os"

	"github.com/hookctl/hookctl/internal/sandbox"
)

// writeRawRequest writes d as a raw HTTP request (what `verify
// --request-file` reads) to out, '-' for stdout.
func writeRawRequest(f *Factory, d *sandbox.Delivery, out, what string) error {
	raw, err := d.Raw()
	if err != nil {
		return err
	}
	if out == "-" {
		_, err = f.IO.Out.Write(raw)
		return err
	}
	if err := os.WriteFile(out, raw, 0o600); err != nil {
		return err
	}
	notice(f, "wrote %s to %s", what, out)
	return nil
}
