package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/verify"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// What `hookctl verify` reads: the delivery (raw request, or body and
// headers), the keys to try and the times given on the command line.

// readDelivery reads the delivery from a raw request file or body + headers.
func readDelivery(opts *VerifyOptions) (*signature.Request, error) {
	open := func(path string) (io.ReadCloser, error) {
		if path == "-" {
			return io.NopCloser(opts.F.IO.In), nil
		}
		fh, err := os.Open(path)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		return fh, nil
	}
	if opts.HARFile != "" {
		rc, err := open(opts.HARFile)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		entry := opts.HAREntry
		if !opts.HAREntrySet {
			entry = signature.FirstSignedEntry
		}
		req, err := signature.ParseHAR(rc, entry, verify.MaxBody)
		if err != nil {
			return nil, usageErrorf("--har: %v", err)
		}
		return req, nil
	}
	if opts.RequestFile != "" {
		rc, err := open(opts.RequestFile)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		req, err := signature.ParseRawRequest(rc, verify.MaxBody)
		if err != nil {
			return nil, usageErrorf("--request-file: %v", err)
		}
		return req, nil
	}
	rc, err := open(opts.BodyFile)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, verify.MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > verify.MaxBody {
		return nil, usageErrorf("--body-file: larger than %d bytes", verify.MaxBody)
	}
	h := http.Header{}
	for _, kv := range opts.Headers {
		k, v, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageErrorf("--header %q: want 'Name: value'", kv)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	return &signature.Request{Method: http.MethodPost, Header: h, Body: body}, nil
}

// verifyKeys collects the keys to try and the profile's default scheme.
func verifyKeys(ctx context.Context, opts *VerifyOptions) ([]signature.Key, string, error) {
	switch {
	case opts.SecretFile != "":
		b, err := os.ReadFile(opts.SecretFile)
		if err != nil {
			return nil, "", usageErrorf("--secret-file: %v", err)
		}
		return []signature.Key{{Name: "file", Secret: bytes.TrimRight(b, "\r\n")}}, "", nil
	case opts.SecretEnv != "":
		v := opts.F.Getenv(opts.SecretEnv)
		if v == "" {
			return nil, "", usageErrorf("--secret-env: %s is empty or unset", opts.SecretEnv)
		}
		return []signature.Key{{Name: "env", Secret: []byte(v)}}, "", nil
	case opts.PublicKeyFile != "":
		b, err := os.ReadFile(opts.PublicKeyFile)
		if err != nil {
			return nil, "", usageErrorf("--public-key-file: %v", err)
		}
		pub, err := httpsig.ParsePublicKey(b)
		if err != nil {
			return nil, "", usageErrorf("--public-key-file: %v", err)
		}
		return []signature.Key{{Name: "file", Public: pub}}, "", nil
	}
	profile, spec, err := opts.F.Profile()
	if err != nil {
		return nil, "", err
	}
	if vs, _, ok := verificationKeySource(opts.F); ok {
		keys, err := vs.VerificationKeys(ctx)
		return keys, spec.Scheme, err
	}
	creds, err := opts.F.Credentials()
	if err != nil {
		return nil, "", err
	}
	ws, err := creds.WebhookSecrets(profile.Name, opts.ID)
	if err != nil {
		return nil, "", err
	}
	var keys []signature.Key
	if ws.Current != nil {
		keys = append(keys, signature.Key{Name: "current", Secret: []byte(ws.Current.Value), ValidUntil: ws.Current.ValidUntil})
	}
	if ws.Previous != nil {
		keys = append(keys, signature.Key{Name: "previous", Secret: []byte(ws.Previous.Value), ValidUntil: ws.Previous.ValidUntil})
	}
	if len(keys) == 0 {
		// Input the command lacks, not a credential the provider refused:
		// exit 2, and in a batch an input error of that entry alone.
		return nil, "", webhook.Errorf(webhook.KindUsage, "no stored secret for %s in profile %s", opts.ID, profile.Name).
			WithHint("secrets are stored by `hookctl register` and `hookctl rotate-secret`; `hookctl secrets set` adopts a known one; or pass --secret-file / --secret-env")
	}
	return keys, spec.Scheme, nil
}

// newKeyRefresher is the key refresher for keys from a profile whose
// provider serves verification keys (OffBlocks); nil otherwise.
func newKeyRefresher(opts *VerifyOptions) *verify.KeyRefresher {
	if opts.keyFlag() {
		return nil
	}
	vs, name, ok := verificationKeySource(opts.F)
	if !ok {
		return nil
	}
	return verify.NewKeyRefresher(name, func() (webhook.VerificationKeySource, error) { return vs, nil })
}

// verificationKeySource is the profile's provider when it signs deliveries
// with its own key pair (webhook.VerificationKeySource), with its name.
func verificationKeySource(f *Factory) (webhook.VerificationKeySource, string, bool) {
	prov, _, err := f.Provider()
	if err != nil {
		return nil, "", false
	}
	vs, ok := prov.(webhook.VerificationKeySource)
	return vs, prov.Name(), ok
}

// parseTimeFlag accepts RFC 3339 or Unix seconds.
func parseTimeFlag(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want RFC 3339 (2026-01-02T15:04:05Z) or Unix seconds, got %q", s)
	}
	return t, nil
}
