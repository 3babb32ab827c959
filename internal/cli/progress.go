package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/wiretap-hq/wiretap/pipeline"
)

// startProgress draws a one-line progress bar on w, a terminal, until the
// returned stop is called, which clears the line.
func startProgress(w io.Writer, p *pipeline.Progress) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprint(w, "\r\033[K"+progressLine(p, time.Since(start)))
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// progressLine renders the state of a run: hours read, bytes and records.
func progressLine(p *pipeline.Progress, elapsed time.Duration) string {
	const width = 24
	total, done := p.HoursTotal.Load(), p.HoursDone.Load()
	frac := 0.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	filled := int(frac * width)
	bytes := p.BytesRead.Load()
	rate := float64(bytes) / 1e6 / max(elapsed.Seconds(), 1e-3)
	return fmt.Sprintf("[%s%s] %3.0f%% hours %d/%d  %s  %d records  %.0f MB/s",
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*frac, done, total,
		humanBytes(bytes), p.RecordsRead.Load(), rate)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
}
