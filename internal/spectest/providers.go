package spectest

import (
	_ "embed"
	"net/http"
	"sync"
	"testing"
)

// Copies of the official documents (patched as listed in each provider's
// testdata/README.md), embedded so the end-to-end scripts validate the
// sandbox's traffic without reading files at run time.
var (
	//go:embed specs/solvimon-webhooks-api-openapi.yml
	solvimonSpec []byte
)

var loadSolvimon = sync.OnceValues(func() (*Validator, error) { return Load(solvimonSpec) })

// ForProvider wraps a provider's sandbox handler (mounted with its prefix
// stripped) so that every request is validated against that provider's
// official OpenAPI document. Providers without a published document (OffBlocks,
// PwC) pass through unchanged.
func ForProvider(t testing.TB, provider string, h http.Handler) http.Handler {
	t.Helper()
	switch provider {
	case "solvimon":
		v, err := loadSolvimon()
		if err != nil {
			t.Fatalf("%v", err)
		}
		return v.Middleware(t)(h)
	}
	return h
}
