package pwc

import (
	"strings"
	"testing"
)

// TestRules pins the field rules read from docs/providers/pwc.md §4.4 and the
// ServiceStack.Webhooks formats, edge by edge.
func TestRules(t *testing.T) {
	long := strings.Repeat("a", 101)
	cases := []struct {
		rule func(string) *problem
		in   string
		code string // "" when valid
	}{
		{eventRule, "ReportFiled", ""},
		{eventRule, "Custom-Event_1", ""},
		{eventRule, "Ereignis_ÄÖÜ", ""}, // .NET's \w is Unicode
		{eventRule, "abc", "RegularExpression"},
		{eventRule, long, "RegularExpression"},
		{eventRule, "bad event!", "RegularExpression"},
		{eventRule, "", "NotEmpty"},
		{nameRule, "test hooks (v2), #1?", ""},
		{nameRule, "x", "RegularExpression"},
		{nameRule, "tab\there", "RegularExpression"},
		{urlRule, "http://127.0.0.1:9/x", ""},
		{urlRule, "HTTPS://hooks.example.com", ""},
		{urlRule, "mailto:x@example.com", "Predicate"},
		{urlRule, "/relative", "Predicate"},
		{urlRule, "https://x.example/a b", "Predicate"},
		{urlRule, "", "NotEmpty"},
		{secretRule, "c2VjcmV0MTI=", ""},
		{secretRule, "AAAAAAA=", ""},
		{secretRule, "AAAAAA==", ""},
		{secretRule, "AAAA", "Length"},
		{secretRule, "AAAAAAAAA", "RegularExpression"},  // not whole groups of four
		{secretRule, "AAAAA===", "RegularExpression"},   // three '='
		{secretRule, "AAAA=AAA", "RegularExpression"},   // '=' inside
		{secretRule, "AAAA-AAA", "RegularExpression"},   // URL-safe alphabet
		{secretRule, "AAAA\nAAAA", "RegularExpression"}, // no line breaks
		{contentTypeRule, "", ""},
		{contentTypeRule, "Application/JSON", ""},
		{contentTypeRule, "text/xml", "Predicate"},
		{taxNumberRule, "DE123456789", ""},
		{taxNumberRule, "de123456789", "RegularExpression"},
		{taxNumberRule, "DE12345678", "RegularExpression"},
		{taxNumberRule, "DE12345678١", "RegularExpression"}, // ASCII digits only
		{taxNumberRule, "", "NotEmpty"},
		{accountRule, "1234567890", ""},
		{accountRule, "123456789", "RegularExpression"},
		{accountRule, "123456789a", "RegularExpression"},
		{accountRule, "", "NotEmpty"},
		{publicKeyRule, fixedKeyXML, ""},
		{publicKeyRule, "<RSAKeyValue/>", "Predicate"},
		{publicKeyRule, "<KeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></KeyValue>", "Predicate"},
		{publicKeyRule, "", "NotEmpty"},
	}
	for _, c := range cases {
		p := c.rule(c.in)
		switch {
		case c.code == "" && p != nil:
			t.Errorf("%q refused: %v", c.in, *p)
		case c.code != "" && (p == nil || p.code != c.code):
			t.Errorf("%q: %v, want %s", c.in, p, c.code)
		}
	}
}

func TestWireFormats(t *testing.T) {
	for _, c := range []struct {
		v    interface{ MarshalJSON() ([]byte, error) }
		want string
	}{
		{netDate{}, `"\/Date(-62135596800000-0000)\/"`}, // docs/providers/pwc.md §4.2's example
		{statusName(200), `"OK"`},
		{statusName(503), `"ServiceUnavailable"`},
		{statusName(414), `"RequestUriTooLong"`},
		{statusName(418), `418`}, // no HttpStatusCode member
		{statusName(0), `0`},
	} {
		if b, _ := c.v.MarshalJSON(); string(b) != c.want {
			t.Errorf("%v: %s, want %s", c.v, b, c.want)
		}
	}
}
