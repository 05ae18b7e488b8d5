package httpsig

import (
	"strings"

	"github.com/dunglas/httpsfv"
)

// Derived component names (RFC 9421 §2.2). @signature-params is not listed:
// it is always the last line of a signature base and never a covered
// component.
const (
	CompMethod        = "@method"
	CompTargetURI     = "@target-uri"
	CompAuthority     = "@authority"
	CompScheme        = "@scheme"
	CompRequestTarget = "@request-target"
	CompPath          = "@path"
	CompQuery         = "@query"
	CompQueryParam    = "@query-param"
	CompStatus        = "@status"
	compSigParams     = "@signature-params"
)

// Component identifies one covered message component: an HTTP field (by its
// lower-case name) or a derived component (name starting with "@"), with the
// RFC 9421 component parameters.
type Component struct {
	Name string // "content-type", "@method", ...

	SF        bool   // sf: strict structured-field re-serialisation (§2.1.1)
	Key       string // key="…": one member of a Dictionary field (§2.1.2)
	BS        bool   // bs: each field line wrapped as a Byte Sequence (§2.1.3)
	Req       bool   // req: value taken from the related request (§2.4)
	TR        bool   // tr: value taken from the trailer section (§2.1.4)
	QueryName string // name="…" of @query-param (§2.2.8)

	// order is the parameter order as received. Parameters are an ordered
	// set in the signature base, so a parsed identifier must re-serialise
	// exactly as the signer wrote it.
	order []string
}

// Components turns identifiers into Components. Each identifier is either a
// bare name ("@method", "content-type") or a serialised component identifier
// with parameters (`"@query-param";name="Pet"`, `"example-dict";key="a"`).
func Components(ids ...string) ([]Component, error) {
	out := make([]Component, 0, len(ids))
	for _, id := range ids {
		c, err := ParseComponent(id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ParseComponent parses one component identifier; see Components.
func ParseComponent(id string) (Component, error) {
	id = strings.TrimSpace(id)
	if !strings.HasPrefix(id, `"`) {
		c := Component{Name: strings.ToLower(id)}
		if err := c.validate(); err != nil {
			return Component{}, err
		}
		return c, nil
	}
	item, err := httpsfv.UnmarshalItem([]string{id})
	if err != nil {
		return Component{}, errorf(ErrMalformed, "component identifier "+id+": "+err.Error())
	}
	return componentFromItem(item)
}

// QueryParam is the @query-param component for one named query parameter.
func QueryParam(name string) Component {
	return Component{Name: CompQueryParam, QueryName: name}
}

func componentFromItem(item httpsfv.Item) (Component, error) {
	name, ok := item.Value.(string)
	if !ok {
		return Component{}, errorf(ErrMalformed, "component identifier is not a string")
	}
	c := Component{Name: name}
	if item.Params != nil {
		for _, k := range item.Params.Names() {
			v, _ := item.Params.Get(k)
			switch k {
			case "sf", "bs", "req", "tr":
				b, ok := v.(bool)
				if !ok || !b {
					// Flags are only ever true; "?0" would make the
					// identifier and the value disagree.
					return Component{}, errorf(ErrMalformed, "component "+quote(name)+": parameter "+k+" must be a true flag")
				}
				switch k {
				case "sf":
					c.SF = b
				case "bs":
					c.BS = b
				case "req":
					c.Req = b
				case "tr":
					c.TR = b
				}
			case "key", "name":
				s, ok := v.(string)
				if !ok {
					return Component{}, errorf(ErrMalformed, "component "+quote(name)+": parameter "+k+" must be a string")
				}
				if k == "key" {
					c.Key = s
				} else {
					c.QueryName = s
				}
			default:
				// An unknown parameter changes how the value is derived in a
				// way we cannot know, so verifying would be guesswork.
				return Component{}, errorf(ErrMalformed, "component "+quote(name)+": unknown parameter "+k)
			}
			c.order = append(c.order, k)
		}
	}
	if err := c.validate(); err != nil {
		return Component{}, err
	}
	return c, nil
}

// validate applies the RFC 9421 rules that do not depend on the message.
func (c Component) validate() error {
	if c.Name == "" {
		return errorf(ErrMalformed, "empty component name")
	}
	for i := 0; i < len(c.Name); i++ {
		ch := c.Name[i]
		if ch < 0x21 || ch > 0x7e || (ch >= 'A' && ch <= 'Z') {
			return errorf(ErrMalformed, "component name "+quote(c.Name)+" must be lower-case visible ASCII")
		}
	}
	if c.Name == compSigParams {
		return errorf(ErrMalformed, "@signature-params cannot be a covered component")
	}
	if strings.HasPrefix(c.Name, "@") {
		switch c.Name {
		case CompMethod, CompTargetURI, CompAuthority, CompScheme, CompRequestTarget, CompPath, CompQuery, CompStatus:
			if c.QueryName != "" {
				return errorf(ErrMalformed, "component "+quote(c.Name)+" takes no name parameter")
			}
		case CompQueryParam:
			if c.QueryName == "" {
				return errorf(ErrMalformed, "@query-param needs a name parameter")
			}
		default:
			return errorf(ErrMalformed, "unknown derived component "+quote(c.Name))
		}
		if c.SF || c.BS || c.Key != "" || c.TR {
			return errorf(ErrMalformed, "derived component "+quote(c.Name)+" takes no sf, key, bs or tr parameter")
		}
		if c.Name == CompStatus && c.Req {
			return errorf(ErrMalformed, "@status cannot carry req: it has no request value")
		}
		return nil
	}
	if c.QueryName != "" {
		return errorf(ErrMalformed, "field "+quote(c.Name)+" takes no name parameter")
	}
	if c.BS && (c.SF || c.Key != "") {
		return errorf(ErrMalformed, "field "+quote(c.Name)+": bs cannot be combined with sf or key")
	}
	return nil
}

// item builds the structured-field item for the identifier, honouring the
// received parameter order and appending any other set parameter in a fixed
// order.
func (c Component) item() httpsfv.Item {
	p := httpsfv.NewParams()
	add := func(k string) {
		switch k {
		case "name":
			if c.QueryName != "" {
				p.Add("name", c.QueryName)
			}
		case "key":
			if c.Key != "" {
				p.Add("key", c.Key)
			}
		case "sf":
			if c.SF {
				p.Add("sf", true)
			}
		case "bs":
			if c.BS {
				p.Add("bs", true)
			}
		case "req":
			if c.Req {
				p.Add("req", true)
			}
		case "tr":
			if c.TR {
				p.Add("tr", true)
			}
		}
	}
	for _, k := range c.order {
		add(k)
	}
	for _, k := range [...]string{"name", "key", "sf", "bs", "req", "tr"} {
		if _, done := p.Get(k); !done {
			add(k)
		}
	}
	return httpsfv.Item{Value: c.Name, Params: p}
}

// Identifier is the serialised component identifier as it appears in
// Signature-Input and at the start of a signature base line, e.g.
// `"@query-param";name="Pet"`.
func (c Component) Identifier() (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	s, err := httpsfv.Marshal(c.item())
	if err != nil {
		return "", errorf(ErrMalformed, "component "+quote(c.Name)+": "+err.Error())
	}
	return s, nil
}

// String is Identifier without the error, for messages and logs.
func (c Component) String() string {
	s, err := c.Identifier()
	if err != nil {
		return quote(c.Name)
	}
	return s
}
