package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit: the collector works harder before the heap passes
		// it, which keeps 100,000 hosts under 1 GiB. GOMEMLIMIT overrides.
		debug.SetMemoryLimit(768 << 20)
	}
	// Ctrl-C or SIGTERM cancels ctx: the daemons' checks are killed, the
	// staging copy removed, and nothing is written. A second one kills
	// pxegen at once, which the output tree also survives.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
