// Command defendersim runs the advanced hunting API simulator as a
// standalone HTTPS server, for demos and for manual runs of a collector, and
// checks a collector's exported logs against the simulator's ground truth.
//
// Usage:
//
//	defendersim [serve flags]          serve until SIGINT or SIGTERM
//	defendersim verify [verify flags]  compare exported logs with the ground truth
//	defendersim sink [sink flags]      a HEC and OTLP/HTTP endpoint for benchmarks
//
// Run either with -h for its flags.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses: verify exits with exitMismatch when events are missing or
// duplicated, so that scripts can tell that from a usage or I/O error.
const (
	exitOK       = 0
	exitMismatch = 1
	exitError    = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "verify" {
		return runVerify(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "sink" {
		return runSink(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	return runServe(ctx, args, stdout, stderr)
}

// fail reports err on stderr and returns the error exit status.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "defendersim:", err)
	return exitError
}
