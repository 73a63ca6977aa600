package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

const (
	// pollInterval is the interval of the queries over a frozen world.
	pollInterval = 2 * time.Second
	// deliveryTimeout bounds how long a test waits for a collector to deliver a frozen world's
	// history. The first window holds all of it, so a few poll intervals suffice without faults;
	// with a quarter of the calls failing it takes some 40 s on 2 cores, and a busy machine may
	// take several times as long.
	deliveryTimeout = 3 * time.Minute
	// settleTime covers two more polls after the last expected delivery, and the exporters'
	// flushes, so that a poll delivering rows again is seen.
	settleTime = 2*pollInterval + time.Second
)

// awaitDeliveries waits up to timeout until read counts at least want deliveries, then lets the
// collector run for settleTime more so that a later poll which delivered rows again would be seen.
func awaitDeliveries(c *collectorProcess, want int, timeout time.Duration, read func() (map[int64]int, error)) {
	c.t.Helper()
	c.waitFor(timeout, fmt.Sprintf("%d deliveries", want), func() (bool, string) {
		delivered, err := read()
		if err != nil {
			return false, err.Error()
		}
		n := total(delivered)
		return n >= want, fmt.Sprintf("%d deliveries", n)
	})
	c.runFor(settleTime)
}

// requireExactlyOnce requires every expected event delivered, none twice, and nothing else.
func requireExactlyOnce(t *testing.T, expected []simulator.Event, delivered map[int64]int) {
	t.Helper()
	report := simulator.Compare(expected, delivered)
	t.Logf("report: %s", report)
	require.Zero(t, report.Missing, "missing events")
	require.Zero(t, report.Duplicated, "duplicated events")
	require.Zero(t, report.Unexpected, "unexpected events")
}

// total is the number of deliveries counted in delivered.
func total(delivered map[int64]int) int {
	n := 0
	for _, count := range delivered {
		n += count
	}
	return n
}

// byReportID indexes events by their ReportId.
func byReportID(events []simulator.Event) map[int64]simulator.Event {
	m := make(map[int64]simulator.Event, len(events))
	for _, e := range events {
		m[e.ReportID] = e
	}
	return m
}
