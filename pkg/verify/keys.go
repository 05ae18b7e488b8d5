package verify

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/signature/httpsig"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// RefreshInterval spaces fetches of unknown keyids: the provider only ever
// serves its current key, and a keyid is whatever the sender wrote, so a
// receiver must not call the API once per forged keyid.
const RefreshInterval = time.Minute

// KeyRefresher fetches the verification key an http-message-signatures
// delivery names by keyid when the profile has not stored it: OffBlocks'
// only rotation is a new verification key, so an unknown keyid is the
// moment to ask the API again. Each keyid is fetched at most once per run,
// and fetches are RefreshInterval apart. A nil *KeyRefresher is a no-op
// (keys that do not come from such a profile). Safe for concurrent use; a
// fetch holds up only the deliveries that need the refresher meanwhile.
type KeyRefresher struct {
	provider string
	client   func() (webhook.VerificationKeySource, error)

	mu      sync.Mutex
	fetched []signature.Key // keys fetched in this run
	tried   map[string]bool
	last    time.Time
}

// NewKeyRefresher fetches through client, a provider's.
func NewKeyRefresher(provider string, client func() (webhook.VerificationKeySource, error)) *KeyRefresher {
	return &KeyRefresher{provider: provider, client: client, tried: map[string]bool{}}
}

// Refresh returns keys plus the verification key of a keyid the delivery
// names and no key has (fetched now, or earlier in this run), and a step
// saying what was fetched; keys unchanged and no step otherwise.
func (kr *KeyRefresher) Refresh(ctx context.Context, scheme signature.Scheme, h http.Header, keys []signature.Key) ([]signature.Key, *signature.Step) {
	if kr == nil || scheme.Name() != (signature.HTTPMessageSignatures{}).Name() {
		return keys, nil
	}
	sigs, err := httpsig.ParseSignatures(h)
	if err != nil {
		return keys, nil // verification reports it
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	hasID := func(ks []signature.Key, id string) (signature.Key, bool) {
		for _, k := range ks {
			if k.KeyID == id {
				return k, true
			}
		}
		return signature.Key{}, false
	}
	var step *signature.Step
	for _, sg := range sigs {
		id := sg.Params.KeyID
		if id == "" {
			continue
		}
		if _, ok := hasID(keys, id); ok {
			continue
		}
		if k, ok := hasID(kr.fetched, id); ok {
			keys = append(keys[:len(keys):len(keys)], k)
			continue
		}
		if step != nil || kr.tried[id] || time.Since(kr.last) < RefreshInterval {
			continue
		}
		kr.tried[id], kr.last = true, time.Now()
		step = &signature.Step{Name: signature.StepKey}
		c, err := kr.client()
		var k signature.Key
		if err == nil {
			k, err = c.VerificationKey(ctx, id)
		}
		switch {
		case err != nil:
			step.Detail = "keyid " + strconv.Quote(id) + " is not stored; fetching it from " + kr.provider + " failed: " + err.Error()
		case k.KeyID != id:
			step.Detail = "keyid " + strconv.Quote(id) + " is not stored, and " + kr.provider + " serves verification key " +
				strconv.Quote(k.KeyID) + " instead; stored that one"
		default:
			step.OK = true
			step.Detail = "keyid " + strconv.Quote(id) + " was not stored: fetched that verification key from " + kr.provider +
				" and stored it in the profile"
			kr.fetched = append(kr.fetched, k)
			keys = append(keys[:len(keys):len(keys)], k)
		}
	}
	return keys, step
}

// WithStep puts a key-refresh step right after the headers step.
func WithStep(res signature.Result, st *signature.Step) signature.Result {
	if st == nil {
		return res
	}
	i := 0
	if len(res.Steps) > 0 && res.Steps[0].Name == signature.StepHeaders {
		i = 1
	}
	res.Steps = slices.Insert(res.Steps, i, *st)
	return res
}
