package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// NotifyContext returns a context that SIGINT or SIGTERM cancels, so that a
// job stops cleanly: nothing half-written is published, a server finishes
// the requests in flight, the ingest buffer is written. Stopping cleanly
// can take a while (an S3 upload, a slow request), and an operator who
// presses Ctrl-C again means now: the second signal exits the process at
// once, with 128 plus the signal's number as shells report it. stop
// releases the signals.
func NotifyContext(parent context.Context, errw io.Writer) (ctx context.Context, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := interruptible(parent, sigs, errw, os.Exit)
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}

// interruptible cancels its context at the first value of sigs and calls
// exit at the second; cancel ends the watch.
func interruptible(parent context.Context, sigs <-chan os.Signal, errw io.Writer, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(errw, "wiretap: stopping; interrupt again to exit at once")
		cancel()
		select {
		case s := <-sigs:
			fmt.Fprintln(errw, "wiretap: interrupted again; exiting now")
			exit(exitCodeOf(s))
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() { close(done) })
		cancel()
	}
}

// exitCodeOf is the status a shell reports for a process a signal ended.
func exitCodeOf(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return ExitError
}
