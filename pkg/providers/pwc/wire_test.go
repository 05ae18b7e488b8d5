package pwc

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseServiceStackDate(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	cases := []struct {
		in      string
		want    time.Time
		zoneOff int // seconds east of UTC the value keeps
	}{
		{"/Date(1700000000000)/", utc("2023-11-14T22:13:20Z"), 0},
		{`\/Date(1700000000000)\/`, utc("2023-11-14T22:13:20Z"), 0},
		{"/Date(1700000000123-0000)/", utc("2023-11-14T22:13:20.123Z"), 0},
		// The offset only says which zone the value was local to: the
		// instant is the milliseconds.
		{"/Date(1700000000000+0100)/", utc("2023-11-14T22:13:20Z"), 3600},
		{`\/Date(1700000000000-0530)\/`, utc("2023-11-14T22:13:20Z"), -5*3600 - 30*60},
		{"/Date(-86400000)/", utc("1969-12-31T00:00:00Z"), 0},
		{"/Date(-86400000+0200)/", utc("1969-12-31T00:00:00Z"), 7200},
		{"/Date(0)/", time.Unix(0, 0).UTC(), 0},
		{"2024-05-01T10:00:00.1234567Z", utc("2024-05-01T10:00:00.1234567Z"), 0},
		{"2024-05-01T10:00:00", utc("2024-05-01T10:00:00Z"), 0},
		// DateTime.MinValue is .NET's "unset".
		{`\/Date(-62135596800000-0000)\/`, time.Time{}, 0},
		{"0001-01-01T00:00:00", time.Time{}, 0},
		{"", time.Time{}, 0},
	}
	for _, tc := range cases {
		got, err := parseServiceStackDate(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !got.Equal(tc.want) || got.IsZero() != tc.want.IsZero() {
			t.Errorf("%q = %s, want %s", tc.in, got, tc.want)
		}
		if _, off := got.Zone(); !got.IsZero() && off != tc.zoneOff {
			t.Errorf("%q: offset %d, want %d", tc.in, off, tc.zoneOff)
		}
	}
	for _, bad := range []string{
		"/Date()/", "/Date(abc)/", "/Date(1700000000000+01)/", "/Date(1700000000000+2500)/",
		"/Date(1700000000000+0160)/", "/Date(99999999999999999)/", "/Date(1700000000000", "Date(1)",
		`\/Date(1)/`, "/Date(-62135596800001)/", "/Date(253402300800000)/", "yesterday",
	} {
		if _, err := parseServiceStackDate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseServiceStackDate(f *testing.F) {
	for _, s := range []string{"/Date(1700000000000)/", `\/Date(-62135596800000-0000)\/`, "/Date(-1+2359)/",
		"2024-05-01T10:00:00Z", "/Date(253402300799999)/", "/Date(0-0000)/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseServiceStackDate(s)
		if err != nil || got.IsZero() {
			return
		}
		// Our own RFC 3339 output must be able to carry it.
		if _, err := got.UTC().MarshalJSON(); err != nil {
			t.Fatalf("%q parses to %s, which cannot be printed: %v", s, got, err)
		}
		if got.Year() < 1 || got.Year() > 9999 {
			t.Fatalf("%q parses outside .NET's range: %s", s, got)
		}
		// What we write, we read back as the same instant (to the millisecond).
		back, err := parseServiceStackDate(formatServiceStackDate(got))
		if err != nil || !back.Equal(got.Truncate(time.Millisecond)) {
			t.Fatalf("%q → %s → %q → %s, %v", s, got, formatServiceStackDate(got), back, err)
		}
	})
}

func TestSSDateJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		D ssDate `json:"d"`
		Z ssDate `json:"z"`
	}{D: ssDate{time.UnixMilli(1700000000123)}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"d":"\/Date(1700000000123-0000)\/","z":"\/Date(-62135596800000-0000)\/"}`; string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	var back struct {
		D ssDate `json:"d"`
		Z ssDate `json:"z"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.D.UnixMilli() != 1700000000123 || back.Z.ptr() != nil {
		t.Errorf("read back %+v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"d":12}`), &back); err == nil {
		t.Error("a number was taken for a date")
	}
}

func TestHTTPStatusCode(t *testing.T) {
	for in, want := range map[string]int{
		`"OK"`: 200, `"NotFound"`: 404, `"Continue"`: 100, `"InternalServerError"`: 500,
		`"RequestEntityTooLarge"`: 413, `"RequestUriTooLong"`: 414, `"HttpVersionNotSupported"`: 505,
		`"NonAuthoritativeInformation"`: 203, `"Redirect"`: 302, `"TooManyRequests"`: 429,
		`"notfound"`: 404, `200`: 200, `"418"`: 418, `null`: 0, `"NoSuchStatus"`: 0,
	} {
		var c httpStatusCode
		if err := json.Unmarshal([]byte(in), &c); err != nil || int(c) != want {
			t.Errorf("%s = %d (%v), want %d", in, c, err, want)
		}
	}
	for code, want := range map[int]string{200: `"OK"`, 404: `"NotFound"`, 414: `"RequestUriTooLong"`, 505: `"HttpVersionNotSupported"`, 203: `"NonAuthoritativeInformation"`, 0: `0`, 299: `299`} {
		b, err := json.Marshal(httpStatusCode(code))
		if err != nil || string(b) != want {
			t.Errorf("%d → %s (%v), want %s", code, b, err, want)
		}
	}
	// Every name we write, we read.
	for code := 100; code < 600; code++ {
		b, _ := json.Marshal(httpStatusCode(code))
		var back httpStatusCode
		if err := json.Unmarshal(b, &back); err != nil || int(back) != code {
			t.Errorf("%d → %s → %d", code, b, back)
		}
	}
}

func TestSubscriptionResponseShapes(t *testing.T) {
	var srs []subscriptionResponse
	in := `[{"subscription":{"id":"a","event":"ReportFiled","config":{"url":"https://x"}},"history":[{"statusCode":"OK"}]},
	        {"id":"b","event":"ReportRejected","isActive":true,"config":{"url":"https://y"}}]`
	if err := json.Unmarshal([]byte(in), &srs); err != nil {
		t.Fatal(err)
	}
	if len(srs) != 2 || srs[0].Subscription.ID != "a" || srs[0].History[0].StatusCode != 200 || srs[1].Subscription.ID != "b" || !srs[1].Subscription.IsActive {
		t.Fatalf("%+v", srs)
	}
}
