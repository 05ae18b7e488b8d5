package pwc

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The emulator's field rules, written from docs/providers/pwc.md §4.4 [DOC] and the
// ServiceStack.Webhooks validators it cites (DataFormats.Subscriptions,
// SubscriptionConfigValidator) [SEC]. Each returns the broken rule or nil;
// handlers report them in ServiceStack's responseStatus.errors, with the
// FluentValidation error code [SEC].

// problem is one broken rule.
type problem struct{ code, msg string }

func required(v, msg string) *problem {
	if v == "" {
		return &problem{"NotEmpty", msg}
	}
	return nil
}

// isWordRune is .NET's regex \w, [\p{L}\p{Mn}\p{Nd}\p{Pc}], which also
// covers \d (\p{Nd}) and '_' (\p{Pc}). Go's \w is ASCII only.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.Mn, unicode.Nd, unicode.Pc)
}

// freeformPunct is the punctuation of the library's FreeformText format
// besides \d\w [SEC: DataFormats.FreeformText].
const freeformPunct = "`~!@#$%:&*()-+=;'\"<,>.?/ "

// fourToHundred is the library's length rule for event names and
// subscription names: 4 to 100 characters [SEC].
func fourToHundred(s string) bool {
	n := utf8.RuneCountInString(s)
	return 4 <= n && n <= 100
}

func allRunes(s string, ok func(rune) bool) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !ok(r) }) < 0
}

// eventRule: event names are not published [UNKNOWN]; the library's rule
// is ^[\d\w\-_]{4,100}$ [SEC].
func eventRule(e string) *problem {
	if p := required(e, "an event name is required"); p != nil {
		return p
	}
	if !fourToHundred(e) || !allRunes(e, func(r rune) bool { return isWordRune(r) || r == '-' }) {
		return &problem{"RegularExpression", fmt.Sprintf("event %q must be 4 to 100 letters, digits, '_' or '-'", e)}
	}
	return nil
}

// nameRule is the library's Subscriptions.Name, FreeformText(4, 100)
// [SEC]; PwC makes the name optional [DOC: name?], so callers check it
// only when given.
func nameRule(n string) *problem {
	if !fourToHundred(n) || !allRunes(n, func(r rune) bool { return isWordRune(r) || strings.ContainsRune(freeformPunct, r) }) {
		return &problem{"RegularExpression", fmt.Sprintf("name %q must be 4 to 100 letters, digits, spaces or common punctuation", n)}
	}
	return nil
}

// urlRule: the URL is required [DOC] and absolute [SEC: IsUrl]; only http
// and https are callback schemes [INF]; HTTPS is not required [UNKNOWN].
func urlRule(s string) *problem {
	if p := required(s, "a callback URL is required"); p != nil {
		return p
	}
	u, err := url.Parse(s)
	ok := err == nil && u.IsAbs() && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https")
	if !ok || strings.ContainsAny(s, " \t\r\n") {
		return &problem{"Predicate", fmt.Sprintf("url %q must be an absolute http or https URL", s)}
	}
	return nil
}

// secretRule: a secret is "random Base64 ≥8 chars" [DOC]; Base64 as the
// library's Base64Text pattern: whole groups of four, '=' padding only at
// the end [SEC].
func secretRule(s string) *problem {
	if p := required(s, "a secret is required"); p != nil {
		return p
	}
	if utf8.RuneCountInString(s) < 8 {
		return &problem{"Length", "the secret must be at least 8 characters"}
	}
	if !isBase64Text(s) {
		return &problem{"RegularExpression", "the secret must be Base64 text"}
	}
	return nil
}

func isBase64Text(s string) bool {
	body := s
	for range 2 {
		body = strings.TrimSuffix(body, "=")
	}
	return len(s)%4 == 0 && allRunes(body, func(r rune) bool {
		return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '/')
	})
}

// jsonType is the only delivery content type [SEC: SubscriptionConfig
// Validator compares it with MimeTypes.Json, ignoring case].
const jsonType = "application/json"

func contentTypeRule(s string) *problem {
	if s != "" && !strings.EqualFold(s, jsonType) {
		return &problem{"Predicate", fmt.Sprintf("content type %q is not supported: only %s", s, jsonType)}
	}
	return nil
}

// taxNumberRule: authSteuernummer is required, 2 capital letters and 9
// digits, 11 characters [DOC].
func taxNumberRule(s string) *problem {
	if p := required(s, "authSteuernummer is required"); p != nil {
		return p
	}
	if len(s) != 11 || !allRunes(s[:2], isCapital) || !allRunes(s[2:], isDigit) {
		return &problem{"RegularExpression", fmt.Sprintf("authSteuernummer %q must be 2 capital letters followed by 9 digits", s)}
	}
	return nil
}

// accountRule: accountId is required, 10 digits [DOC].
func accountRule(s string) *problem {
	if p := required(s, "accountId is required"); p != nil {
		return p
	}
	if len(s) != 10 || !allRunes(s, isDigit) {
		return &problem{"RegularExpression", fmt.Sprintf("accountId %q must be exactly 10 digits", s)}
	}
	return nil
}

func isCapital(r rune) bool { return 'A' <= r && r <= 'Z' }
func isDigit(r rune) bool   { return '0' <= r && r <= '9' }

// publicKeyRule: publicKeyXml is required [DOC], a .NET RSAKeyValue public
// key [INF], of at least minKeyBits.
func publicKeyRule(s string) *problem {
	if p := required(s, "publicKeyXml is required"); p != nil {
		return p
	}
	k, err := parseKeyXML(s)
	if err != nil {
		return &problem{"Predicate", "publicKeyXml is not a .NET RSAKeyValue public key: " + err.Error()}
	}
	if bits := k.N.BitLen(); bits < minKeyBits {
		return &problem{"Predicate", fmt.Sprintf("publicKeyXml is a %d-bit key; at least %d bits are required", bits, minKeyBits)}
	}
	return nil
}
