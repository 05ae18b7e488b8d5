package signature

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// harLog is the part of a HAR 1.2 document (http://www.softwareishard.com/blog/har-12-spec/)
// that a delivery needs.
type harLog struct {
	Log *struct {
		Entries []struct {
			Request *struct {
				Method  string `json:"method"`
				URL     string `json:"url"`
				Headers []struct {
					Name  string `json:"name"`
					Value string `json:"value"`
				} `json:"headers"`
				PostData *struct {
					MimeType string `json:"mimeType"`
					Text     string `json:"text"`
					// Encoding is not in HAR 1.2 for postData, but several
					// exporters (Charles, some proxies) write "base64" here.
					Encoding string `json:"encoding"`
				} `json:"postData"`
			} `json:"request"`
		} `json:"entries"`
	} `json:"log"`
}

// FirstSignedEntry, as ParseHAR's entry, picks the first entry whose
// headers a scheme recognises.
const FirstSignedEntry = -1

// ParseHAR reads a HAR 1.2 log and returns entries[entry].request as a
// Request (entry FirstSignedEntry: the first that carries a signature).
// HTTP/2 pseudo-headers (":authority"...) are dropped; the body is
// postData.text, base64-decoded when the exporter marked it so. max bounds
// the body size.
func ParseHAR(r io.Reader, entry int, max int64) (*Request, error) {
	var h harLog
	dec := json.NewDecoder(io.LimitReader(r, 4*max+1<<20))
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("not a HAR file: %w", err)
	}
	if h.Log == nil {
		return nil, errors.New(`not a HAR file: no "log" object`)
	}
	n := len(h.Log.Entries)
	if entry == FirstSignedEntry {
		// The first entry a scheme recognises by its headers: a browser or
		// proxy export holds many requests, and the delivery is the one
		// that carries a signature.
		for i := range h.Log.Entries {
			req, err := harRequest(&h, i, max)
			if err != nil {
				continue
			}
			if _, err := Detect(req.Header); err == nil {
				return req, nil
			}
		}
		return nil, fmt.Errorf("none of the %d entries carries signature headers a scheme recognises: pick one with --entry N", n)
	}
	if entry < 0 || entry >= n {
		return nil, fmt.Errorf("entry %d out of range: the log has %d entries (0 to %d)", entry, n, n-1)
	}
	return harRequest(&h, entry, max)
}

// harRequest is entry i of h as a Request.
func harRequest(h *harLog, entry int, max int64) (*Request, error) {
	hr := h.Log.Entries[entry].Request
	if hr == nil {
		return nil, fmt.Errorf("entry %d has no request", entry)
	}
	if hr.Method == "" {
		return nil, fmt.Errorf("entry %d: request has no method", entry)
	}
	u, err := url.Parse(hr.URL)
	if err != nil {
		return nil, fmt.Errorf("entry %d: url: %w", entry, err)
	}
	req := &Request{Method: strings.ToUpper(hr.Method), URL: u, Header: http.Header{}, Body: []byte{}}
	for _, kv := range hr.Headers {
		name := strings.TrimSpace(kv.Name)
		if name == "" || strings.HasPrefix(name, ":") {
			continue
		}
		req.Header.Add(textproto.CanonicalMIMEHeaderKey(name), kv.Value)
	}
	if pd := hr.PostData; pd != nil {
		body := []byte(pd.Text)
		if strings.EqualFold(pd.Encoding, "base64") {
			if body, err = base64.StdEncoding.DecodeString(pd.Text); err != nil {
				return nil, fmt.Errorf("entry %d: postData.text: %w", entry, err)
			}
		}
		if int64(len(body)) > max {
			return nil, fmt.Errorf("entry %d: body larger than %d bytes", entry, max)
		}
		req.Body = body
		if req.Header.Get("Content-Type") == "" && pd.MimeType != "" {
			req.Header.Set("Content-Type", pd.MimeType)
		}
	}
	return req, nil
}
