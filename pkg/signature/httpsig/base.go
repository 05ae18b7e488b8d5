package httpsig

import (
	"net/http"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// Params are the signature parameters of RFC 9421 §2.3. Zero values are
// absent: a zero Created writes no created parameter.
type Params struct {
	Created time.Time
	Expires time.Time
	KeyID   string
	Alg     string
	Nonce   string
	Tag     string
}

// innerList serialises components and params as the @signature-params value
// (also the Signature-Input member value). Parameters are written in the
// order created, expires, keyid, alg, nonce, tag: RFC 9421 fixes no order,
// and this one reproduces every Appendix B example.
func innerList(components []Component, p Params) (httpsfv.InnerList, error) {
	il := httpsfv.InnerList{Items: make([]httpsfv.Item, 0, len(components)), Params: httpsfv.NewParams()}
	seen := make(map[string]bool, len(components))
	for _, c := range components {
		id, err := c.Identifier()
		if err != nil {
			return il, err
		}
		if seen[id] {
			return il, errorf(ErrMalformed, "component "+id+" is covered twice")
		}
		seen[id] = true
		il.Items = append(il.Items, c.item())
	}
	if !p.Created.IsZero() {
		il.Params.Add("created", p.Created.Unix())
	}
	if !p.Expires.IsZero() {
		il.Params.Add("expires", p.Expires.Unix())
	}
	for _, kv := range [...][2]string{{"keyid", p.KeyID}, {"alg", p.Alg}, {"nonce", p.Nonce}, {"tag", p.Tag}} {
		if kv[1] != "" {
			il.Params.Add(kv[0], kv[1])
		}
	}
	return il, nil
}

// SignatureBase builds the signature base (RFC 9421 §2.5) of m for the
// given covered components and parameters. It also returns the serialised
// @signature-params value, which is what goes into Signature-Input after
// "label=".
func SignatureBase(m *Message, components []Component, p Params) (base []byte, sigParams string, err error) {
	il, err := innerList(components, p)
	if err != nil {
		return nil, "", err
	}
	sigParams, err = httpsfv.Marshal(il)
	if err != nil {
		return nil, "", errorf(ErrMalformed, "signature parameters: "+err.Error())
	}
	base, err = buildBase(m, components, sigParams)
	return base, sigParams, err
}

func buildBase(m *Message, components []Component, sigParams string) ([]byte, error) {
	if m == nil {
		return nil, errorf(ErrMalformed, "no message")
	}
	var b strings.Builder
	b.Grow(64*len(components) + len(sigParams) + 24)
	seen := make(map[string]bool, len(components))
	for _, c := range components {
		id, err := c.Identifier()
		if err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, errorf(ErrMalformed, "component "+id+" is covered twice")
		}
		seen[id] = true
		v, err := m.componentValue(c, id)
		if err != nil {
			return nil, err
		}
		// A newline in a value would let a field forge further base lines.
		if strings.ContainsAny(v, "\r\n") {
			return nil, componentErr(ErrMalformed, id, "value contains a line break")
		}
		b.WriteString(id)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(sigParams)
	return []byte(b.String()), nil
}

// Signature is one signature parsed from a message's Signature-Input and
// Signature fields. Treat it as read-only: Base relies on the parameters
// exactly as received, including any this package does not know.
type Signature struct {
	Label      string
	Components []Component
	Params     Params
	Value      []byte // the decoded signature bytes

	sigParams string // @signature-params value as received (strictly re-serialised)
}

// SigParams is the @signature-params value (the Signature-Input member
// without its label).
func (s *Signature) SigParams() string { return s.sigParams }

// Base rebuilds the signature base of s over m.
func (s *Signature) Base(m *Message) ([]byte, error) {
	return buildBase(m, s.Components, s.sigParams)
}

// Covers reports whether s covers the component with identifier id (a bare
// name such as "content-digest" or a serialised identifier).
func (s *Signature) Covers(id string) bool {
	want, err := ParseComponent(id)
	if err != nil {
		return false
	}
	wid := want.String()
	for _, c := range s.Components {
		if c.String() == wid {
			return true
		}
	}
	return false
}

// ParseSignatures parses every labelled signature in h's Signature-Input
// and Signature fields, in Signature-Input order. A Signature-Input member
// without a matching Signature member is an error: silently skipping it
// would hide a broken signer.
func ParseSignatures(h http.Header) ([]Signature, error) {
	inLines, _ := fieldLines(h, "Signature-Input")
	sigLines, _ := fieldLines(h, "Signature")
	if len(inLines) == 0 && len(sigLines) == 0 {
		return nil, ErrNoSignature
	}
	if len(inLines) == 0 {
		return nil, errorf(ErrMalformed, "Signature without Signature-Input")
	}
	if len(sigLines) == 0 {
		return nil, errorf(ErrMalformed, "Signature-Input without Signature")
	}
	inDict, err := httpsfv.UnmarshalDictionary(inLines)
	if err != nil {
		return nil, errorf(ErrMalformed, "Signature-Input: "+err.Error())
	}
	sigDict, err := httpsfv.UnmarshalDictionary(sigLines)
	if err != nil {
		return nil, errorf(ErrMalformed, "Signature: "+err.Error())
	}
	if len(inDict.Names()) == 0 {
		return nil, errorf(ErrMalformed, "Signature-Input is empty")
	}
	out := make([]Signature, 0, len(inDict.Names()))
	for _, label := range inDict.Names() {
		s, err := parseSignature(label, inDict, sigDict)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func parseSignature(label string, inDict, sigDict *httpsfv.Dictionary) (Signature, error) {
	member, _ := inDict.Get(label)
	il, ok := member.(httpsfv.InnerList)
	if !ok {
		return Signature{}, errorf(ErrMalformed, "Signature-Input "+label+" is not an inner list of components")
	}
	sm, ok := sigDict.Get(label)
	if !ok {
		return Signature{}, errorf(ErrMalformed, "Signature-Input "+label+" has no matching Signature member")
	}
	sitem, ok := sm.(httpsfv.Item)
	if !ok {
		return Signature{}, errorf(ErrMalformed, "Signature "+label+" is not a byte sequence")
	}
	value, ok := sitem.Value.([]byte)
	if !ok {
		return Signature{}, errorf(ErrMalformed, "Signature "+label+" is not a byte sequence")
	}
	s := Signature{Label: label, Value: value, Components: make([]Component, 0, len(il.Items))}
	seen := make(map[string]bool, len(il.Items))
	for _, it := range il.Items {
		c, err := componentFromItem(it)
		if err != nil {
			return Signature{}, err
		}
		id := c.String()
		if seen[id] {
			return Signature{}, errorf(ErrMalformed, "Signature-Input "+label+" covers "+id+" twice")
		}
		seen[id] = true
		s.Components = append(s.Components, c)
	}
	if il.Params != nil {
		for _, k := range il.Params.Names() {
			v, _ := il.Params.Get(k)
			switch k {
			case "created", "expires":
				n, ok := v.(int64)
				if !ok || n < 0 {
					return Signature{}, errorf(ErrMalformed, "Signature-Input "+label+": "+k+" must be a non-negative integer")
				}
				if k == "created" {
					s.Params.Created = time.Unix(n, 0).UTC()
				} else {
					s.Params.Expires = time.Unix(n, 0).UTC()
				}
			case "keyid", "alg", "nonce", "tag":
				str, ok := v.(string)
				if !ok {
					return Signature{}, errorf(ErrMalformed, "Signature-Input "+label+": "+k+" must be a string")
				}
				switch k {
				case "keyid":
					s.Params.KeyID = str
				case "alg":
					s.Params.Alg = str
				case "nonce":
					s.Params.Nonce = str
				case "tag":
					s.Params.Tag = str
				}
			}
			// Other parameters stay in sigParams, which is all the
			// signature base needs of them.
		}
	} else {
		il.Params = httpsfv.NewParams()
	}
	sp, err := httpsfv.Marshal(il)
	if err != nil {
		return Signature{}, errorf(ErrMalformed, "Signature-Input "+label+": "+err.Error())
	}
	s.sigParams = sp
	return s, nil
}
