package text

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		719*time.Hour + 57*time.Minute: "29d 23h",
		30 * 24 * time.Hour:            "30d",
		90 * time.Minute:               "1h 30m",
		5 * time.Minute:                "5m",
		42 * time.Second:               "42s",
		300 * time.Millisecond:         "<1s",
		-2 * time.Hour:                 "-2h",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
