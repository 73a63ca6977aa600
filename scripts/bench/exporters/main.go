// Command exporters is the end-to-end benchmark's "exporters alone" (scripts/bench-e2e.sh): the same
// records the collector delivered, built before the clock starts, pushed through one exporter made
// from its v0.144.0 factory with the collector run's own settings, so that the collector's time over
// this one shows what the receiver adds.
//
//	exporters prepare -in events.json -out records.pb [-batch 5000]   prints "prepared N records in B batches of 5000"
//	exporters run -records records.pb -config exporters.yaml -exporter splunk_hec
//
// prepare turns the collector file exporter's OTLP/JSON output into protobuf requests of -batch
// records each (the receiver's batch_size), which run loads quickly. run loads them all, then hands
// them to the exporter one batch after the other from one goroutine, as the receiver does, and waits
// until the exporter has sent every record (its otelcol_exporter_sent_log_records). It prints
//
//	loaded N records in B batches; RSS R KiB
//	started <unix time>
//	sent N at <unix time>
//	peak_rss_kib=P
//
// where P (VmHWM) includes the prebuilt records, about R. The module is its own, so that the receiver's
// module does not depend on the exporters.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "exporters:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: exporters prepare|run [flags]")
	}
	switch args[0] {
	case "prepare":
		return runPrepare(args[1:])
	case "run":
		return runExporter(ctx, args[1:])
	}
	return fmt.Errorf("unknown command %q: want prepare or run", args[0])
}
