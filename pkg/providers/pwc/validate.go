package pwc

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// Field rules the client checks before any request is sent. Each returns a
// violation or nil. (The emulator, internal/emulator/pwc, has its own.)

// violation is one broken rule: the FluentValidation error code ServiceStack
// reports and a message.
type violation struct {
	Code, Msg string
}

func (v *violation) Error() string { return v.Msg }

// .NET's \w is [\p{L}\p{Mn}\p{Nd}\p{Pc}] and \d is \p{Nd}, wider than Go's
// ASCII classes, so the library's patterns are spelled out with Unicode
// classes to accept exactly what the server accepts.
const dotnetWord = `\p{L}\p{Mn}\p{Nd}\p{Pc}`

var (
	// eventPattern is the library's event rule ^[\d\w\-_]{4,100}$ [SEC].
	// The 4–100 length is checked with inLength: a {4,100} repetition of a
	// Unicode class compiles into 100 copies of it (25 ms and 9 MB at every
	// start of hookctl, measured with GODEBUG=inittrace=1).
	// Compiled on first use: Unicode classes cost ~1 ms at every start.
	eventPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[` + dotnetWord + `\-_]+$`) })
	// namePattern is the library's FreeformText(4, 100) name rule [SEC].
	namePattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile("^[" + dotnetWord + "`~!@#$%:&*()\\-+=;'\"<,>.?/ ]+$")
	})
	// base64Pattern is the library's Base64Text rule [SEC].
	base64Pattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`)
	})
)

// minSecretLen is PwC's minimum secret length [DOC: "random Base64 ≥8 chars"].
const minSecretLen = 8

// maxSecretLen: PwC returns the secret encrypted with RSA-OAEP-SHA256
// under the account's public key [DOC], which holds at most the key's size
// less 66 bytes; 190 fits the smallest key PwC takes (2048 bits). A longer
// secret is stored, but every answer that carries it fails (the emulator
// answers 500, as .NET's CryptographicException would) [INF].
const maxSecretLen = 190

func checkEvent(e string) *violation {
	switch {
	case e == "":
		return &violation{"NotEmpty", "an event name is required"}
	case !inLength(e) || !eventPattern().MatchString(e):
		return &violation{"RegularExpression", fmt.Sprintf("event %q must be 4 to 100 letters, digits, '_' or '-'", e)}
	}
	return nil
}

func checkName(n string) *violation {
	if !inLength(n) || !namePattern().MatchString(n) {
		return &violation{"RegularExpression", fmt.Sprintf("name %q must be 4 to 100 letters, digits, spaces or common punctuation", n)}
	}
	return nil
}

// checkURL is the library's IsUrl rule: an absolute http(s) URL [SEC].
// HTTPS is not required by PwC [UNKNOWN], so plain http is accepted.
func checkURL(s string) *violation {
	if s == "" {
		return &violation{"NotEmpty", "a callback URL is required"}
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || strings.ContainsAny(s, " \t\r\n") {
		return &violation{"Predicate", fmt.Sprintf("url %q must be an absolute http or https URL", s)}
	}
	return nil
}

func checkSecret(s string) *violation {
	switch {
	case s == "":
		return &violation{"NotEmpty", "a secret is required"}
	case utf8.RuneCountInString(s) < minSecretLen:
		return &violation{"Length", fmt.Sprintf("the secret must be at least %d characters", minSecretLen)}
	case len(s) > maxSecretLen:
		return &violation{"Length", fmt.Sprintf("the secret must be at most %d characters: PwC returns it RSA-encrypted, which a longer one does not fit", maxSecretLen)}
	case !base64Pattern().MatchString(s):
		return &violation{"RegularExpression", "the secret must be Base64 text"}
	}
	return nil
}

// inLength is the library's 4–100 character rule for names and events.
func inLength(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 4 && n <= 100
}
