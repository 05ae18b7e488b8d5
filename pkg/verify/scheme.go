package verify

import (
	"net/http"

	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// PickScheme chooses a delivery's scheme: name when given (--scheme), else
// the one its headers show, else the profile's. An unknown name is a usage
// error; headers that show no scheme (or several) fail verification.
func PickScheme(name, profileScheme string, h http.Header) (signature.Scheme, error) {
	if name != "" {
		s, err := signature.Lookup(name)
		if err != nil {
			return nil, &webhook.Error{Kind: webhook.KindUsage, Err: err}
		}
		return s, nil
	}
	s, err := signature.Detect(h)
	if err == nil {
		return s, nil
	}
	if profileScheme != "" {
		return signature.Lookup(profileScheme)
	}
	return nil, &webhook.Error{Kind: webhook.KindVerify, Err: err, Hint: "pass --scheme to choose one"}
}
