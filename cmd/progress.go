package cmd

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/schollz/progressbar/v3"
)

// progress is a bulk command's bar (rotate-secret, apply, deliveries
// resend) on a terminal's stderr: the count, the rate and the time left,
// or "N done, listing…" while the total is not known yet (a listing still
// reading its pages, whose provider does not say how many there are).
//
// It owns the bar's line: from startProgress to stop, f.IO.ErrOut is the
// progress, and whatever else the run writes there (a warning, --exec's
// output, a --debug trace) clears the bar, is printed on lines of its own
// above it, and the bar is drawn again below.
//
// schollz/progressbar computes the bar, the rate and the time left; it
// renders into nothing, and progress draws its text, so that the line on
// the terminal is always one progress knows and can clear.
type progress struct {
	f    *Factory
	w    io.Writer // the terminal's stderr
	verb string

	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	line     string // what the bar's line shows, "" before the first update
	shown    bool   // line is on the terminal, the cursor at its end
	drawn    time.Time
	finished bool
}

// redrawEvery throttles the bar: a run of thousands of items redraws it
// ten times a second, not once an item.
const redrawEvery = 100 * time.Millisecond

// startProgress starts the bar of a bulk command whose work verb names
// ("rotated", "applied", "resent"), or returns nil when stderr is not a
// terminal or with -q: logs and pipes get only the per-item report and
// the summary line. Call it before building the provider, so that what
// the provider writes to stderr goes above the bar too, and stop it
// before printing the report.
func startProgress(f *Factory, verb string) *progress {
	if !f.IO.IsStderrTTY() || f.Global.Quiet {
		return nil
	}
	p := &progress{f: f, w: f.IO.ErrOut, verb: verb}
	p.bar = progressbar.NewOptions(math.MaxInt32,
		progressbar.OptionSetWriter(io.Discard),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("items"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(20),
	)
	f.IO.ErrOut = p
	return p
}

// callback is the progress func of the bulk loops: nil without a bar.
func (p *progress) callback() func(done, total, failed int) {
	if p == nil {
		return nil
	}
	return p.update
}

// update records that done of total items are done, failed of them
// failed; total is 0 while not known. Safe for concurrent calls.
func (p *progress) update(done, total, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	if total > 0 {
		// Until it is known the bar's maximum is out of reach, so that
		// the library times the run from its first item.
		p.bar.ChangeMax(max(total, done))
	}
	p.bar.Describe(fmt.Sprintf("%s (%d failed)", p.verb, failed))
	_ = p.bar.Set(done)
	end := total > 0 && done >= total
	if !end && p.shown && time.Since(p.drawn) < redrawEvery {
		return
	}
	if total > 0 {
		p.line = strings.TrimSpace(p.bar.String())
	} else {
		p.line = fmt.Sprintf("%s (%d failed)  %d done, listing…", p.verb, failed, done)
	}
	p.draw()
	if end {
		io.WriteString(p.w, "\n")
		p.shown, p.finished = false, true
	}
}

// draw puts the line on the terminal in place of what is there, cut to
// the terminal's width so that it never wraps onto a line \r cannot
// reach.
func (p *progress) draw() {
	line := p.line
	if w := p.f.IO.TerminalWidth(); w > 1 && twwidth.Width(line) >= w {
		line = twwidth.Truncate(line, w-2) + "…"
	}
	io.WriteString(p.w, "\r\x1b[2K"+line)
	p.shown, p.drawn = true, time.Now()
}

// Write prints b above the bar: the bar's line is cleared, b written,
// and once b ends a line the bar is drawn again below it.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		io.WriteString(p.w, "\r\x1b[2K")
		p.shown = false
	}
	n, err := p.w.Write(b)
	if !p.finished && p.line != "" && len(b) > 0 && b[len(b)-1] == '\n' {
		p.draw()
	}
	return n, err
}

// stop ends the bar where it is (an interrupted run leaves its last count
// on the screen) and gives f.IO.ErrOut back. Safe on nil and twice.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		io.WriteString(p.w, "\n")
		p.shown = false
	}
	p.finished = true
	if p.f.IO.ErrOut == p {
		p.f.IO.ErrOut = p.w
	}
}
