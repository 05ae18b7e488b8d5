package httpsig

import (
	"encoding/base64"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/dunglas/httpsfv"
)

// Message is the view of an HTTP message a signature base is derived from.
// It is a plain struct rather than *http.Request so that raw request files,
// responses and messages rebuilt from a dump can all be signed and verified
// the same way.
type Message struct {
	// Method is the request method; empty for a response.
	Method string
	// URL is the target URI. For @target-uri and @scheme it must be
	// absolute; for @path, @query and @query-param the path and query are
	// enough.
	URL *url.URL
	// Authority overrides URL.Host for @authority (the Host header, or
	// HTTP/2 :authority, as received).
	Authority string
	// RequestTarget is the request-target exactly as on the request line
	// (http.Request.RequestURI). Empty means origin-form built from URL.
	RequestTarget string
	// Status is the response status code; zero for a request.
	Status int
	// Header holds the header section.
	Header http.Header
	// Trailer holds the trailer section, for components with tr.
	Trailer http.Header
	// Request is the request a response answers, for components with req.
	Request *Message
}

// NewRequestMessage describes r. A server-side request (relative r.URL)
// gets its scheme from r.TLS and its host from r.Host, so the target URI a
// verifier rebuilds is the one the client addressed.
func NewRequestMessage(r *http.Request) *Message {
	u := new(url.URL)
	if r.URL != nil {
		*u = *r.URL
	}
	if u.Host == "" {
		u.Host = r.Host
	}
	if u.Scheme == "" && u.Host != "" {
		u.Scheme = "http"
		if r.TLS != nil {
			u.Scheme = "https"
		}
	}
	authority := r.Host
	if authority == "" {
		authority = u.Host
	}
	return &Message{
		Method:        r.Method,
		URL:           u,
		Authority:     authority,
		RequestTarget: r.RequestURI,
		Header:        r.Header,
		Trailer:       r.Trailer,
	}
}

// NewResponseMessage describes resp, with resp.Request (if any) as the
// related request for req components.
func NewResponseMessage(resp *http.Response) *Message {
	m := &Message{Status: resp.StatusCode, Header: resp.Header, Trailer: resp.Trailer}
	if resp.Request != nil {
		m.Request = NewRequestMessage(resp.Request)
	}
	return m
}

func (m *Message) isResponse() bool { return m.Status != 0 }

// componentValue derives the value of c from m (RFC 9421 §2.1, §2.2).
func (m *Message) componentValue(c Component, id string) (string, error) {
	src := m
	if c.Req {
		if !m.isResponse() {
			return "", componentErr(ErrMalformed, id, "req is only meaningful on a response")
		}
		if m.Request == nil {
			return "", componentErr(ErrMissingComponent, id, "the related request is not available")
		}
		src = m.Request
	}
	if strings.HasPrefix(c.Name, "@") {
		return src.derivedValue(c, id)
	}
	return src.fieldValue(c, id)
}

func (m *Message) derivedValue(c Component, id string) (string, error) {
	if c.Name == CompStatus {
		if !m.isResponse() {
			return "", componentErr(ErrMalformed, id, "@status is only defined for responses")
		}
		if m.Status < 100 || m.Status > 999 {
			return "", componentErr(ErrMissingComponent, id, "status code "+strconv.Itoa(m.Status)+" is not three digits")
		}
		return strconv.Itoa(m.Status), nil
	}
	if m.isResponse() {
		return "", componentErr(ErrMalformed, id, "request component on a response needs the req parameter")
	}
	switch c.Name {
	case CompMethod:
		if m.Method == "" {
			return "", componentErr(ErrMissingComponent, id, "no request method")
		}
		return m.Method, nil
	case CompTargetURI:
		scheme, authority := m.scheme(), m.rawAuthority()
		if scheme == "" || authority == "" {
			return "", componentErr(ErrMissingComponent, id, "no absolute target URI (scheme and host unknown)")
		}
		return scheme + "://" + authority + m.path() + m.query(false), nil
	case CompAuthority:
		a := normaliseAuthority(m.rawAuthority(), m.scheme())
		if a == "" {
			return "", componentErr(ErrMissingComponent, id, "no authority (Host) known")
		}
		return a, nil
	case CompScheme:
		s := m.scheme()
		if s == "" {
			return "", componentErr(ErrMissingComponent, id, "no scheme known")
		}
		return s, nil
	case CompRequestTarget:
		if m.RequestTarget != "" {
			return m.RequestTarget, nil
		}
		if m.URL == nil {
			return "", componentErr(ErrMissingComponent, id, "no request target")
		}
		return m.path() + m.query(false), nil
	case CompPath:
		if m.URL == nil {
			return "", componentErr(ErrMissingComponent, id, "no request target")
		}
		return m.path(), nil
	case CompQuery:
		if m.URL == nil {
			return "", componentErr(ErrMissingComponent, id, "no request target")
		}
		return m.query(true), nil
	case CompQueryParam:
		if m.URL == nil {
			return "", componentErr(ErrMissingComponent, id, "no request target")
		}
		return queryParamValue(m.URL.RawQuery, c.QueryName, id)
	}
	return "", componentErr(ErrMalformed, id, "unknown derived component")
}

func (m *Message) scheme() string {
	if m.URL == nil {
		return ""
	}
	return strings.ToLower(m.URL.Scheme)
}

func (m *Message) rawAuthority() string {
	if m.Authority != "" {
		return m.Authority
	}
	if m.URL != nil {
		return m.URL.Host
	}
	return ""
}

// path is the absolute path as sent, before percent-decoding (§2.2.6); an
// empty path is "/" as HTTP normalises it.
func (m *Message) path() string {
	p := m.URL.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// query is "?"+query as sent. With always=false an absent query yields "" so
// target URIs do not grow a stray "?"; @query itself is "?" then (§2.2.7).
func (m *Message) query(always bool) string {
	if m.URL.RawQuery != "" || m.URL.ForceQuery || always {
		return "?" + m.URL.RawQuery
	}
	return ""
}

// normaliseAuthority lower-cases the host and drops the scheme's default
// port (RFC 9110 §4.2.3), as @authority requires.
func normaliseAuthority(a, scheme string) string {
	a = strings.ToLower(a)
	switch {
	case scheme == "https" && strings.HasSuffix(a, ":443"):
		a = strings.TrimSuffix(a, ":443")
	case scheme == "http" && strings.HasSuffix(a, ":80"):
		a = strings.TrimSuffix(a, ":80")
	}
	return a
}

// fieldLines returns the field lines for name, looking the name up
// canonically first and then case-insensitively, because http.Header maps
// built by hand do not always use canonical keys.
func fieldLines(h http.Header, name string) ([]string, bool) {
	if h == nil {
		return nil, false
	}
	if v, ok := h[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return v, true
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func (m *Message) fieldValue(c Component, id string) (string, error) {
	h := m.Header
	where := "header"
	if c.TR {
		h = m.Trailer
		where = "trailer"
	}
	lines, ok := fieldLines(h, c.Name)
	if !ok {
		return "", componentErr(ErrMissingComponent, id, "no "+c.Name+" "+where+" field")
	}
	switch {
	case c.BS:
		return byteSequenceValue(lines, id)
	case c.Key != "":
		return dictionaryMemberValue(c.Name, lines, c.Key, id)
	case c.SF:
		return strictFieldValue(c.Name, lines, id)
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(cleanFieldLine(l))
	}
	return b.String(), nil
}

// cleanFieldLine strips surrounding whitespace and replaces obsolete line
// folding with one space (§2.1 steps 2 and 3).
func cleanFieldLine(v string) string {
	v = strings.Trim(v, " \t")
	if !strings.ContainsAny(v, "\r\n") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if ch == '\r' || ch == '\n' {
			for i+1 < len(v) && (v[i+1] == '\r' || v[i+1] == '\n' || v[i+1] == ' ' || v[i+1] == '\t') {
				i++
			}
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

func byteSequenceValue(lines []string, id string) (string, error) {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte(':')
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(cleanFieldLine(l))))
		b.WriteByte(':')
	}
	return b.String(), nil
}

// structuredTypes lists fields whose structured type is known. RFC 9421
// leaves the type to the application; for unknown fields strictFieldValue
// tries Dictionary, then List, then Item.
var structuredTypes = map[string]string{
	"accept-ch":           "list",
	"accept-signature":    "dictionary",
	"cache-status":        "list",
	"cdn-cache-control":   "dictionary",
	"client-cert":         "item",
	"client-cert-chain":   "list",
	"content-digest":      "dictionary",
	"example-dict":        "dictionary",
	"priority":            "dictionary",
	"proxy-status":        "list",
	"repr-digest":         "dictionary",
	"signature":           "dictionary",
	"signature-input":     "dictionary",
	"want-content-digest": "dictionary",
	"want-repr-digest":    "dictionary",
}

func strictFieldValue(name string, lines []string, id string) (string, error) {
	clean := make([]string, len(lines))
	for i, l := range lines {
		clean[i] = cleanFieldLine(l)
	}
	kind := structuredTypes[name]
	try := []string{"dictionary", "list", "item"}
	if kind != "" {
		try = []string{kind}
	}
	var lastErr error
	for _, k := range try {
		var (
			v   httpsfv.StructuredFieldValue
			err error
		)
		switch k {
		case "dictionary":
			v, err = httpsfv.UnmarshalDictionary(clean)
		case "list":
			v, err = httpsfv.UnmarshalList(clean)
		default:
			v, err = httpsfv.UnmarshalItem(clean)
		}
		if err != nil {
			lastErr = err
			continue
		}
		s, err := httpsfv.Marshal(v)
		if err != nil {
			lastErr = err
			continue
		}
		return s, nil
	}
	return "", componentErr(ErrMalformed, id, "field is not a valid structured field: "+lastErr.Error())
}

func dictionaryMemberValue(name string, lines []string, key, id string) (string, error) {
	clean := make([]string, len(lines))
	for i, l := range lines {
		clean[i] = cleanFieldLine(l)
	}
	d, err := httpsfv.UnmarshalDictionary(clean)
	if err != nil {
		return "", componentErr(ErrMalformed, id, name+" is not a structured dictionary: "+err.Error())
	}
	member, ok := d.Get(key)
	if !ok {
		return "", componentErr(ErrMissingComponent, id, "dictionary has no key "+quote(key))
	}
	var s string
	switch v := member.(type) {
	case httpsfv.Item:
		s, err = httpsfv.Marshal(v)
	case httpsfv.InnerList:
		s, err = httpsfv.Marshal(v)
	}
	if err != nil {
		return "", componentErr(ErrMalformed, id, err.Error())
	}
	return s, nil
}

// queryParamValue implements @query-param (RFC 9421 §2.2.8): the query is
// parsed as application/x-www-form-urlencoded, the name parameter and the
// value are compared and emitted re-encoded with the form percent-encode set
// (space as %20). A name that occurs more than once is refused: its value
// would be ambiguous.
func queryParamValue(rawQuery, name, id string) (string, error) {
	var (
		found bool
		value string
	)
	for _, pair := range strings.Split(rawQuery, "&") {
		if pair == "" {
			continue
		}
		n, v, _ := strings.Cut(pair, "=")
		if formEncode(formDecode(n)) != name {
			continue
		}
		if found {
			return "", componentErr(ErrMalformed, id, "query parameter "+quote(name)+" occurs more than once; sign @query instead")
		}
		found, value = true, formEncode(formDecode(v))
	}
	if !found {
		return "", componentErr(ErrMissingComponent, id, "no query parameter "+quote(name))
	}
	return value, nil
}

// formDecode is the WHATWG urlencoded byte parser: "+" is a space and
// malformed percent escapes stay literal (no error, as browsers do).
func formDecode(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// formEncode percent-encodes with the application/x-www-form-urlencoded
// percent-encode set, leaving only ASCII alphanumerics and *-._ bare.
func formEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '*' || c == '-' || c == '.' || c == '_' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
