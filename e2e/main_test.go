// Package e2e runs the collector distribution built by scripts/build-collector.sh (its path in
// OTELCOL_BIN) as a subprocess against an in-process Defender simulator, and checks what reaches
// the exporters: every event exactly once, typed, resumed across restarts, in the shape Splunk HEC
// and an OTLP/HTTP intake receive it.
package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the simulator, the sinks and the collector watchers started in-process
// stop with their tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
