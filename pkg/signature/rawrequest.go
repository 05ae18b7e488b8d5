package signature

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
)

// DefaultMaxBody applies when ParseRawRequest is given maxBody <= 0.
const DefaultMaxBody = 10 << 20

// maxHead bounds the request line plus headers, like net/http's server.
const maxHead = 1 << 20

// ErrRawRequest wraps every ParseRawRequest failure.
var ErrRawRequest = errors.New("cannot read raw HTTP request")

func rawErr(msg string) error { return &schemeError{err: ErrRawRequest, msg: msg} }

// ParseRawRequest reads an HTTP/1.1 request as saved to a file: request
// line, headers, blank line, body. It accepts CRLF or bare LF line endings
// (editors and terminals convert them), and `curl -v` dumps, whose request
// lines start with "> " and whose "< ", "* ", "{ " and "} " lines are
// skipped; curl does not print the request body, so unprefixed lines after
// the request headers (and before any response) are taken as the body.
//
// The body is kept byte for byte, since it is what was signed: line endings
// inside it are never rewritten. Content-Length, when present, is honoured:
// a longer body is cut to it (a trailing newline an editor added), a shorter
// one is an error. Chunked bodies are decoded. Bodies over maxBody bytes
// (DefaultMaxBody if maxBody <= 0) are refused.
//
// Request.URL is absolute: absolute-form targets are kept, origin-form ones
// are combined with the Host header and the scheme TargetScheme picks (http
// for a loopback host, https otherwise), noted in Request.SchemeAssumed;
// Request.SetTargetScheme overrides it. Without a Host header the URL stays
// relative. The Host header stays in Request.Header.
func ParseRawRequest(r io.Reader, maxBody int64) (*Request, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	limit := maxBody + maxHead
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, rawErr(err.Error())
	}
	if int64(len(data)) > limit {
		return nil, rawErr("input larger than " + strconv.FormatInt(limit, 10) + " bytes: the body exceeds the " + strconv.FormatInt(maxBody, 10) + "-byte limit")
	}
	curl := looksLikeCurl(data)
	head, body, err := splitRaw(data, curl)
	if err != nil {
		return nil, err
	}
	hr, err := readRawHead(head)
	if err != nil {
		return nil, err
	}
	body, excess, err := rawBody(hr, body, maxBody, curl)
	if err != nil {
		return nil, err
	}
	req := &Request{Method: hr.Method, Header: hr.Header, Body: body, URL: hr.URL, Excess: excess}
	// net/http moves Host out of the header map (and, for absolute-form
	// targets, replaces it by the target's authority); a signature may
	// cover the field as sent, so put the received lines back.
	if hosts := rawHostLines(head[1:]); len(hosts) > 0 {
		req.Header["Host"] = hosts
	} else if hr.Host != "" {
		req.Header["Host"] = []string{hr.Host}
	}
	if hr.URL != nil && !hr.URL.IsAbs() && hr.Host != "" {
		u := *hr.URL
		u.Host = hr.Host
		u.Scheme, req.SchemeAssumed = TargetScheme(hr.Host)
		req.URL = &u
	}
	if req.Body == nil {
		req.Body = []byte{}
	}
	return req, nil
}

// splitRaw splits a captured request, plain or curl -v output, into its
// request and header lines and its body; no request line is an error.
func splitRaw(data []byte, curl bool) (head []string, body []byte, err error) {
	if curl {
		head, body = splitCurl(data)
	} else {
		head, body = splitPlain(data)
	}
	if len(head) == 0 {
		if curl {
			return nil, nil, rawErr("no request lines (\"> \") in the curl output")
		}
		return nil, nil, rawErr("empty input: no request line")
	}
	return head, body, nil
}

// readRawHead parses the request line (its version downgraded to one
// net/http reads) and the header lines.
func readRawHead(head []string) (*http.Request, error) {
	var hb strings.Builder
	for i, l := range head {
		if i == 0 {
			l = downgradeVersion(l)
		}
		hb.WriteString(l)
		hb.WriteString("\r\n")
	}
	hb.WriteString("\r\n")
	if hb.Len() > maxHead {
		return nil, rawErr("request line and headers exceed 1 MiB")
	}
	hr, err := http.ReadRequest(bufio.NewReader(strings.NewReader(hb.String())))
	if err != nil {
		return nil, rawErr("request line or headers: " + err.Error())
	}
	return hr, nil
}

// rawBody is the request's body as its headers frame it: chunks decoded,
// or cut at Content-Length (what is beyond it returned as excess); a body
// shorter than Content-Length, or over maxBody, is an error.
func rawBody(hr *http.Request, body []byte, maxBody int64, curl bool) (_, excess []byte, _ error) {
	chunked := len(hr.TransferEncoding) > 0 && hr.TransferEncoding[len(hr.TransferEncoding)-1] == "chunked"
	switch {
	case chunked:
		dec, err := io.ReadAll(io.LimitReader(httputil.NewChunkedReader(bytes.NewReader(body)), maxBody+1))
		if err != nil {
			return nil, nil, rawErr("chunked body: " + err.Error())
		}
		body = dec
	case len(hr.Header.Values("Content-Length")) > 0:
		cl := hr.ContentLength
		switch {
		case int64(len(body)) > cl:
			excess = body[cl:]
			body = body[:cl]
		case int64(len(body)) < cl:
			msg := "body is " + strconv.Itoa(len(body)) + " bytes but Content-Length says " + strconv.FormatInt(cl, 10)
			if curl {
				msg += " (curl -v does not print the request body: append it after the request headers)"
			}
			return nil, nil, rawErr(msg)
		}
	}
	if int64(len(body)) > maxBody {
		return nil, nil, rawErr("request body is " + strconv.Itoa(len(body)) + " bytes, over the " + strconv.FormatInt(maxBody, 10) + "-byte limit")
	}
	return body, excess, nil
}

func rawHostLines(headers []string) []string {
	var out []string
	for _, l := range headers {
		name, value, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "host") {
			out = append(out, strings.TrimSpace(value))
		}
	}
	return out
}

// nextLine returns the line starting at off without its line ending, and
// the offset just past the ending, so a caller can take the rest verbatim.
func nextLine(data []byte, off int) (line string, next int) {
	i := bytes.IndexByte(data[off:], '\n')
	if i < 0 {
		return strings.TrimSuffix(string(data[off:]), "\r"), len(data)
	}
	return strings.TrimSuffix(string(data[off:off+i]), "\r"), off + i + 1
}

func splitPlain(data []byte) (head []string, body []byte) {
	off := 0
	for off < len(data) {
		line, next := nextLine(data, off)
		off = next
		if line == "" {
			if len(head) == 0 {
				continue // blank lines before the request line
			}
			return head, data[off:]
		}
		head = append(head, line)
	}
	return head, nil
}

// looksLikeCurl tells a curl -v dump from a plain request: a plain file
// starts with a request line, a dump has "> " request lines (possibly after
// a shell prompt and "* " info lines).
func looksLikeCurl(data []byte) bool {
	first := true
	off := 0
	for off < len(data) {
		line, next := nextLine(data, off)
		off = next
		if first {
			if strings.TrimSpace(line) == "" {
				continue
			}
			first = false
			if isRequestLine(line) {
				return false
			}
		}
		if line == ">" || strings.HasPrefix(line, "> ") {
			return true
		}
	}
	return false
}

func isRequestLine(line string) bool {
	f := strings.Fields(line)
	if len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/") {
		return false
	}
	for _, c := range f[0] {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// splitCurl collects the first request's "> " lines as the head and
// unprefixed lines after it, up to the first response line, as the body.
func splitCurl(data []byte) (head []string, body []byte) {
	var (
		headDone, response bool
		bodyBuf            []byte
	)
	off := 0
	for off < len(data) {
		start := off
		line, next := nextLine(data, off)
		off = next
		switch {
		case line == ">" || strings.HasPrefix(line, "> "):
			if headDone || response {
				continue // later requests (redirects) are not the one signed
			}
			l := strings.TrimPrefix(strings.TrimPrefix(line, ">"), " ")
			if l == "" {
				headDone = len(head) > 0
				continue
			}
			head = append(head, l)
		case line == "<" || strings.HasPrefix(line, "< "):
			response = true
		case line == "*" || line == "{" || line == "}" ||
			strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "{ ") || strings.HasPrefix(line, "} "):
		default:
			if headDone && !response {
				bodyBuf = append(bodyBuf, data[start:off]...)
			}
		}
	}
	return head, bodyBuf
}

// downgradeVersion lets curl's "HTTP/2" request lines through
// http.ReadRequest, which only parses HTTP/1.x; nothing signed depends on
// the protocol version.
func downgradeVersion(line string) string {
	for _, v := range []string{" HTTP/2", " HTTP/2.0", " HTTP/3", " HTTP/3.0"} {
		if strings.HasSuffix(line, v) {
			return strings.TrimSuffix(line, v) + " HTTP/1.1"
		}
	}
	return line
}
