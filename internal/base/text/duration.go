package text

import (
	"fmt"
	"time"
)

// Duration prints d for people: days and hours for long spans ("29d 23h"),
// hours and minutes, minutes and seconds, or "<1s"; never "719h57m0s".
// Negative durations get a leading "-".
func Duration(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-d)
	}
	const day = 24 * time.Hour
	switch {
	case d < time.Second:
		return "<1s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	case d < time.Hour:
		return joinUnits(int64(d/time.Minute), "m", int64(d%time.Minute/time.Second), "s")
	case d < day:
		return joinUnits(int64(d/time.Hour), "h", int64(d%time.Hour/time.Minute), "m")
	}
	return joinUnits(int64(d/day), "d", int64(d%day/time.Hour), "h")
}

func joinUnits(a int64, ua string, b int64, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s %d%s", a, ua, b, ub)
}
