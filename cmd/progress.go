package cmd

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// newProgress is the progress callback of a bulk command (rotate-secret,
// apply, deliveries resend): on a terminal, a bar on stderr with the count,
// the rate and the time left; nothing when stderr is not a terminal or
// with -q, so logs and pipes get only the per-item report and the summary
// line. verb names the work ("rotated", "applied", "resent"). Safe for
// concurrent calls. total may grow between calls.
func newProgress(f *Factory, verb string) func(done, total, failed int) {
	if !f.IO.IsStderrTTY() || f.Global.Quiet {
		return nil
	}
	var mu sync.Mutex
	var bar *progressbar.ProgressBar
	return func(done, total, failed int) {
		mu.Lock()
		defer mu.Unlock()
		if bar == nil {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(f.IO.ErrOut),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("items"),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetWidth(20),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(f.IO.ErrOut) }),
			)
		}
		if total != bar.GetMax() {
			bar.ChangeMax(total) // a run of --all learns its total as the listing reads pages
		}
		bar.Describe(fmt.Sprintf("%s (%d failed)", verb, failed))
		_ = bar.Set(done)
	}
}
