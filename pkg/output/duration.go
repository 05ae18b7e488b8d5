package output

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/base/text"
)

// Duration prints d for people (text.Duration): "29d 23h", "<1s".
func Duration(d time.Duration) string { return text.Duration(d) }

// dayUnits matches a leading run of weeks or days ("2w", "30d").
var dayUnits = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+)([wd])`) })

// ParseDuration reads Go durations ("90m", "1h30m") and also days and
// weeks ("30d", "2w", "1d12h"), which Go's parser lacks and operators use
// for rotation schedules. Negative values are refused.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, errors.New("empty duration")
	}
	var d time.Duration
	rest := in
	for {
		m := dayUnits().FindStringSubmatch(rest)
		if m == nil {
			break
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		unit := 24 * time.Hour
		if m[2] == "w" {
			unit *= 7
		}
		d += time.Duration(n) * unit
		rest = rest[len(m[0]):]
	}
	if rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("duration %q: want e.g. 30s, 90m, 12h, 30d or 2w", s)
		}
		if r < 0 {
			return 0, fmt.Errorf("duration %q is negative", s)
		}
		d += r
	}
	return d, nil
}

// DurationValue is a pflag.Value for durations that also accepts days and
// weeks (ParseDuration) and shows its default the same way ("30d", "5m").
type DurationValue struct{ P *time.Duration }

func (v DurationValue) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*v.P = d
	return nil
}

func (v DurationValue) Type() string { return "duration" }

func (v DurationValue) String() string {
	if v.P == nil || *v.P == 0 {
		return "0s"
	}
	return compact(*v.P)
}

// compact prints a duration as flag syntax ParseDuration reads back:
// "30d", "5m", "1h30m", "2d12h".
func compact(d time.Duration) string {
	const day = 24 * time.Hour
	var b strings.Builder
	if d >= day {
		fmt.Fprintf(&b, "%dd", d/day)
		d %= day
	}
	if d > 0 {
		s := d.String() // "1h30m0s", "5m0s", "30s"
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		b.WriteString(s)
	}
	return b.String()
}
