package httpsig_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/pkg/signature/httpsig"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// baseLine returns the single signature base line for component id over m.
func baseLine(t *testing.T, m *httpsig.Message, id string) (string, error) {
	t.Helper()
	c, err := httpsig.ParseComponent(id)
	if err != nil {
		return "", err
	}
	base, _, err := httpsig.SignatureBase(m, []httpsig.Component{c}, httpsig.Params{})
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(base), "\n")
	return line, nil
}

// TestFieldComponents uses the examples of RFC 9421 §2.1, §2.1.1–§2.1.3.
func TestFieldComponents(t *testing.T) {
	h := http.Header{}
	h.Add("Host", "www.example.com")
	h.Add("X-Ows-Header", "   Leading and trailing whitespace.   ")
	h.Add("X-Obs-Fold-Header", "Obsolete\r\n    line folding.")
	h.Add("Cache-Control", "max-age=60")
	h.Add("Cache-Control", "   must-revalidate")
	h.Add("Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)")
	h.Add("X-Empty-Header", "")
	h.Add("Example-Header", "value, with, lots")
	h.Add("Example-Header", "of, commas")
	h.Add("Example-Single", "value, with, lots, of, commas")
	m := &httpsig.Message{Method: "GET", URL: mustURL(t, "https://www.example.com/"), Header: h}

	dict := &httpsig.Message{Method: "GET", URL: m.URL, Header: http.Header{"Example-Dict": {"  a=1, b=2;x=1;y=2, c=(a   b    c), d"}}}

	cases := []struct {
		msg  *httpsig.Message
		id   string
		want string
	}{
		{m, "host", `"host": www.example.com`},
		{m, "x-ows-header", `"x-ows-header": Leading and trailing whitespace.`},
		{m, "x-obs-fold-header", `"x-obs-fold-header": Obsolete line folding.`},
		{m, "cache-control", `"cache-control": max-age=60, must-revalidate`},
		{m, "example-dict", `"example-dict": a=1,    b=2;x=1;y=2,   c=(a   b   c)`},
		{m, "x-empty-header", `"x-empty-header": `},
		{m, `"example-dict";sf`, `"example-dict";sf: a=1, b=2;x=1;y=2, c=(a b c)`},
		{dict, `"example-dict";key="a"`, `"example-dict";key="a": 1`},
		{dict, `"example-dict";key="d"`, `"example-dict";key="d": ?1`},
		{dict, `"example-dict";key="b"`, `"example-dict";key="b": 2;x=1;y=2`},
		{dict, `"example-dict";key="c"`, `"example-dict";key="c": (a b c)`},
		{m, `"example-header";bs`, `"example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:`},
		{m, `"example-single";bs`, `"example-single";bs: :dmFsdWUsIHdpdGgsIGxvdHMsIG9mLCBjb21tYXM=:`},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			got, err := baseLine(t, tc.msg, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestDerivedComponents uses the examples of RFC 9421 §2.2.
func TestDerivedComponents(t *testing.T) {
	req := &httpsig.Message{
		Method: "POST",
		URL:    mustURL(t, "https://WWW.Example.com:443/path?param=value&foo=bar&baz=bat%2Dman"),
		Header: http.Header{},
	}
	plain := &httpsig.Message{Method: "GET", URL: mustURL(t, "http://www.example.com:80/path"), Header: http.Header{}}
	empty := &httpsig.Message{Method: "GET", URL: mustURL(t, "https://example.com"), Header: http.Header{}}
	qp := &httpsig.Message{Method: "GET", URL: mustURL(t, "https://example.com/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something&qux=&tilde=a~b"), Header: http.Header{}}
	proxy := &httpsig.Message{Method: "GET", URL: mustURL(t, "https://www.example.com/path?param=value"), RequestTarget: "https://www.example.com/path?param=value", Header: http.Header{}}
	resp := &httpsig.Message{Status: 503, Header: http.Header{}, Request: req}

	cases := []struct {
		msg  *httpsig.Message
		id   string
		want string
	}{
		{req, "@method", `"@method": POST`},
		{req, "@target-uri", `"@target-uri": https://WWW.Example.com:443/path?param=value&foo=bar&baz=bat%2Dman`},
		{req, "@authority", `"@authority": www.example.com`},
		{plain, "@authority", `"@authority": www.example.com`},
		{req, "@scheme", `"@scheme": https`},
		{plain, "@scheme", `"@scheme": http`},
		{req, "@request-target", `"@request-target": /path?param=value&foo=bar&baz=bat%2Dman`},
		{proxy, "@request-target", `"@request-target": https://www.example.com/path?param=value`},
		{req, "@path", `"@path": /path`},
		{empty, "@path", `"@path": /`},
		{empty, "@target-uri", `"@target-uri": https://example.com/`},
		{req, "@query", `"@query": ?param=value&foo=bar&baz=bat%2Dman`},
		{plain, "@query", `"@query": ?`},
		{req, `"@query-param";name="baz"`, `"@query-param";name="baz": bat-man`},
		{qp, `"@query-param";name="var"`, `"@query-param";name="var": this%20is%20a%20big%0Amultiline%20value`},
		{qp, `"@query-param";name="bar"`, `"@query-param";name="bar": with%20plus%20whitespace`},
		{qp, `"@query-param";name="fa%C3%A7ade%22%3A%20"`, `"@query-param";name="fa%C3%A7ade%22%3A%20": something`},
		{qp, `"@query-param";name="qux"`, `"@query-param";name="qux": `},
		{qp, `"@query-param";name="tilde"`, `"@query-param";name="tilde": a%7Eb`},
		{resp, "@status", `"@status": 503`},
		{resp, `"@method";req`, `"@method";req: POST`},
		{resp, `"@authority";req`, `"@authority";req: www.example.com`},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			got, err := baseLine(t, tc.msg, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestComponentErrors(t *testing.T) {
	req := &httpsig.Message{
		Method: "POST",
		URL:    mustURL(t, "https://example.com/p?a=1&a=2&b=3"),
		Header: http.Header{"Content-Type": {"application/json"}, "Example-Dict": {"a=1"}, "Not-Sf": {"(((("}},
	}
	relative := &httpsig.Message{Method: "GET", URL: &url.URL{Path: "/x"}, Header: http.Header{}}
	resp := &httpsig.Message{Status: 200, Header: http.Header{}}
	cases := []struct {
		msg       *httpsig.Message
		id        string
		want      error
		component string
	}{
		{req, "content-digest", httpsig.ErrMissingComponent, `"content-digest"`},
		{req, `"@query-param";name="zzz"`, httpsig.ErrMissingComponent, `"@query-param";name="zzz"`},
		{req, `"@query-param";name="a"`, httpsig.ErrMalformed, `"@query-param";name="a"`},
		{req, `"example-dict";key="b"`, httpsig.ErrMissingComponent, `"example-dict";key="b"`},
		{req, `"not-sf";sf`, httpsig.ErrMalformed, `"not-sf";sf`},
		{req, "@status", httpsig.ErrMalformed, `"@status"`},
		{req, `"@method";req`, httpsig.ErrMalformed, `"@method";req`},
		{resp, "@method", httpsig.ErrMalformed, `"@method"`},
		{resp, `"@method";req`, httpsig.ErrMissingComponent, `"@method";req`},
		{relative, "@target-uri", httpsig.ErrMissingComponent, `"@target-uri"`},
		{relative, "@authority", httpsig.ErrMissingComponent, `"@authority"`},
		{req, `"content-type";tr`, httpsig.ErrMissingComponent, `"content-type";tr`},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			_, err := baseLine(t, tc.msg, tc.id)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var ce *httpsig.ComponentError
			if !errors.As(err, &ce) {
				t.Fatalf("err %v is not a *ComponentError", err)
			}
			if ce.Component != tc.component {
				t.Fatalf("component = %s, want %s", ce.Component, tc.component)
			}
		})
	}
}

func TestParseComponentRejects(t *testing.T) {
	for _, id := range []string{
		"", "@unknown", "@signature-params", `"@query-param"`, `"@method";sf`,
		`"Content-Type"`, `"x";foo`, `"x";sf=?0`, `"x";bs;sf`, `"x";name="a"`, `"@status";req`, `"x";key=1`, "content type",
	} {
		if _, err := httpsig.ParseComponent(id); !errors.Is(err, httpsig.ErrMalformed) {
			t.Errorf("ParseComponent(%q) err = %v, want ErrMalformed", id, err)
		}
	}
	c, err := httpsig.ParseComponent("Content-Type")
	if err != nil || c.Name != "content-type" {
		t.Fatalf("bare names are lower-cased: got %+v, %v", c, err)
	}
}

// TestComponentParameterOrderPreserved: parameters are an ordered set, so a
// parsed identifier must re-serialise in the order the signer chose.
func TestComponentParameterOrderPreserved(t *testing.T) {
	for _, id := range []string{`"example-dict";req;key="a"`, `"example-dict";key="a";req`, `"x";tr;bs`, `"x";bs;tr`} {
		c, err := httpsig.ParseComponent(id)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.String(); got != id {
			t.Errorf("round trip %q -> %q", id, got)
		}
	}
	if got := httpsig.QueryParam("Pet").String(); got != `"@query-param";name="Pet"` {
		t.Errorf("QueryParam = %s", got)
	}
}

func TestDuplicateComponentsRejected(t *testing.T) {
	m := &httpsig.Message{Method: "GET", URL: mustURL(t, "https://e.com/"), Header: http.Header{}}
	cs, err := httpsig.Components("@method", "@method")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := httpsig.SignatureBase(m, cs, httpsig.Params{}); !errors.Is(err, httpsig.ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
	h := http.Header{}
	h.Set("Signature-Input", `s=("@method" "@method")`)
	h.Set("Signature", `s=:AAAA:`)
	if _, err := httpsig.ParseSignatures(h); !errors.Is(err, httpsig.ErrMalformed) {
		t.Fatalf("ParseSignatures err = %v, want ErrMalformed", err)
	}
}

// TestHeaderValueWithNewlineFolded: a raw line break in a field value (as
// a hand-built header could carry) is treated as obsolete line folding, so
// it cannot forge an extra signature base line.
func TestHeaderValueWithNewlineFolded(t *testing.T) {
	m := &httpsig.Message{Method: "GET", URL: mustURL(t, "https://e.com/"), Header: http.Header{"X": {"a\n\"@method\": POST"}}}
	c, _ := httpsig.ParseComponent("x")
	base, _, err := httpsig.SignatureBase(m, []httpsig.Component{c}, httpsig.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(base), "\n"); n != 1 {
		t.Fatalf("base has %d line breaks, want 1:\n%s", n, base)
	}
	if !strings.HasPrefix(string(base), `"x": a "@method": POST`+"\n") {
		t.Fatalf("base = %q", base)
	}
}

func TestParseSignaturesErrors(t *testing.T) {
	cases := []struct {
		name, input, sig string
		want             error
	}{
		{"none", "", "", httpsig.ErrNoSignature},
		{"input only", `s=("@method")`, "", httpsig.ErrMalformed},
		{"signature only", "", `s=:AAAA:`, httpsig.ErrMalformed},
		{"label mismatch", `s=("@method")`, `t=:AAAA:`, httpsig.ErrMalformed},
		{"not inner list", `s=1`, `s=:AAAA:`, httpsig.ErrMalformed},
		{"signature not bytes", `s=("@method")`, `s="AAAA"`, httpsig.ErrMalformed},
		{"created not int", `s=("@method");created="x"`, `s=:AAAA:`, httpsig.ErrMalformed},
		{"keyid not string", `s=("@method");keyid=1`, `s=:AAAA:`, httpsig.ErrMalformed},
		{"bad syntax", `s=("@method"`, `s=:AAAA:`, httpsig.ErrMalformed},
		{"component not string", `s=(method)`, `s=:AAAA:`, httpsig.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.input != "" {
				h.Set("Signature-Input", tc.input)
			}
			if tc.sig != "" {
				h.Set("Signature", tc.sig)
			}
			_, err := httpsig.ParseSignatures(h)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestUnknownSignatureParamsKept: a parameter this package does not know
// still belongs in @signature-params, or the base would not match.
func TestUnknownSignatureParamsKept(t *testing.T) {
	h := http.Header{}
	h.Set("Signature-Input", `s=("@method");created=1;x-ext="v";keyid="k"`)
	h.Set("Signature", `s=:AAAA:`)
	sigs, err := httpsig.ParseSignatures(h)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sigs[0].SigParams(), `("@method");created=1;x-ext="v";keyid="k"`; got != want {
		t.Fatalf("SigParams = %q, want %q", got, want)
	}
	if sigs[0].Params.KeyID != "k" {
		t.Fatalf("keyid = %q", sigs[0].Params.KeyID)
	}
}
