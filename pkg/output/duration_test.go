package output

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "1d12h": 36 * time.Hour, "2w1d": 15 * 24 * time.Hour,
		"90m": 90 * time.Minute, "1h30m": 90 * time.Minute, "5s": 5 * time.Second, "720h": 720 * time.Hour, "0": 0,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "30x", "-5m", "1d-2h", "3 days"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}

// TestDurationPrinting: flag defaults (text.Duration has the printing
// for people).
func TestDurationPrinting(t *testing.T) {
	// Flag defaults print in a form the parser reads back.
	for d, want := range map[time.Duration]string{
		5 * time.Minute: "5m", 30 * time.Second: "30s", 30 * 24 * time.Hour: "30d", 36 * time.Hour: "1d12h", 90 * time.Minute: "1h30m",
	} {
		v := d
		s := DurationValue{P: &v}.String()
		back, err := ParseDuration(s)
		if s != want || err != nil || back != d {
			t.Errorf("DurationValue(%v).String() = %q (reads back as %v, %v), want %q", d, s, back, err, want)
		}
	}
}
