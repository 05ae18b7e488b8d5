package signature

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// benchBody is a 1 KiB JSON-ish delivery.
var benchBody = append([]byte(`{"data":"`), append(bytes.Repeat([]byte("x"), 1024-11), '"', '}')...)

func BenchmarkVerifySolvimon1KiB(b *testing.B) {
	key := []Key{{Name: "current", Secret: []byte("sk_live_0123456789abcdef")}}
	req := &Request{Method: "POST", Header: http.Header{}, Body: benchBody}
	if err := (Solvimon{}).Sign(req, key, t0); err != nil {
		b.Fatal(err)
	}
	opts := Options{Now: t0.Add(time.Second)}
	s := Solvimon{}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		if !s.Verify(req, key, opts).Valid {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkVerifyStandardWebhooks1KiB(b *testing.B) {
	key := []Key{{Name: "current", Secret: []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")}}
	req := &Request{Method: "POST", Header: http.Header{}, Body: benchBody}
	if err := (StandardWebhooks{}).Sign(req, key, t0); err != nil {
		b.Fatal(err)
	}
	opts := Options{Now: t0.Add(time.Second)}
	s := StandardWebhooks{}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		if !s.Verify(req, key, opts).Valid {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkVerifyHubSignature1KiB(b *testing.B) {
	key := []Key{{Name: "current", Secret: []byte("c2VjcmV0")}}
	req := &Request{Method: "POST", Header: http.Header{}, Body: benchBody}
	if err := (HubSignature{}).Sign(req, key, t0); err != nil {
		b.Fatal(err)
	}
	s := HubSignature{}
	b.ReportAllocs()
	for b.Loop() {
		if !s.Verify(req, key, Options{}).Valid {
			b.Fatal("invalid")
		}
	}
}
