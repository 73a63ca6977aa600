package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

const (
	// A burst: burstEvents events within two minutes, burstPerTimestamp sharing each timestamp.
	// The row cap (100,000, the receiver's default), and the halves of it that a result too large
	// leads to, are not multiples of 3, so that a page at its limit ends inside a timestamp's events.
	burstEvents       = 250_000
	burstPerTimestamp = 3
	burstEvery        = 1_440 * time.Microsecond // 83,334 timestamps in two minutes
	// burstTimeout bounds the delivery of a burst, measured at 8 to 41 s on 2 cores.
	burstTimeout = 4 * time.Minute
)

// TestBurst has a query meet a burst of 250,000 events in one window, with many identical
// timestamps, under the default row cap, and requires every event exactly once: when full rows make
// a page over the service's 124 MB result limit, so that the receiver asks for fewer rows; when few
// columns let pages reach the cap; and when pages of over 50,000 rows time out, so that the receiver
// asks for shorter spans.
func TestBurst(t *testing.T) {
	const (
		table  = "DeviceProcessEvents"
		narrow = table + " | project Timestamp, ReportId, DeviceName, FileName"
	)
	for _, tc := range []struct {
		name  string
		query string
		sim   simulator.Options
		// atLimit: pages reach their row limit (the cap, or the fewer rows asked for after a result
		// too large), so that the next page resumes inside a timestamp.
		atLimit bool
	}{
		{"full rows over the result size limit", table, simulator.Options{Faults: simulator.Faults{ResultTooLarge: 1}}, true},
		{"few columns up to the row cap", narrow, simulator.Options{}, true},
		{"pages over 50,000 rows time out", narrow, simulator.Options{Faults: simulator.Faults{QueryTimeout: 1}, TimeoutRows: 50_000}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := frozenNow()
			burst := simulator.TableSpec{
				Name: table, Start: t0.Add(-3 * time.Minute), Every: burstEvery, PerTimestamp: burstPerTimestamp, Count: burstEvents,
			}
			world := startFrozenWorldAt(t, tc.sim, t0, burst)
			expected := world.expected()
			require.Len(t, expected, burstEvents)
			query := tableQuery(table, pollInterval, frozenLookback)
			query.Query = tc.query
			receiver := receiverConfig(world.sim, query)
			receiver["retry_on_failure"] = map[string]any{"initial_interval": "100ms", "max_interval": "1s"}
			out := newExportedFile(t)
			started := time.Now()
			collector := startCollector(t, collectorConfig(receiver, map[string]any{"file": fileExporter(out.path)}, t.TempDir()))

			awaitDeliveries(collector, len(expected), burstTimeout, out.delivered)
			t.Logf("%d events delivered within %s of the collector's start", len(expected), time.Since(started).Round(time.Second))
			collector.stop()

			delivered, err := out.delivered()
			require.NoError(t, err)
			requireExactlyOnce(t, expected, delivered)
			stats := world.sim.logStats(t)
			requireFaultsMet(t, tc.sim.Faults, stats)
			pages := world.sim.ServedPages()
			resumed := resumedInsideTimestamp(pages, byReportID(expected))
			t.Logf("%d pages served, largest %d rows; %d resumed inside the timestamp where the previous one stopped",
				len(pages), largestPage(pages), resumed)
			if tc.atLimit {
				require.NotZero(t, resumed, "no page resumed inside a timestamp: none reached its row limit")
			}
		})
	}
}

// resumedInsideTimestamp counts the served pages that begin with events of the timestamp that the
// previous page ended with: pages that the row limit cut inside a timestamp, where the next resumed.
func resumedInsideTimestamp(pages []simulator.ServedPage, truth map[int64]simulator.Event) int {
	resumed := 0
	var previous []int64
	for _, page := range pages {
		if len(page.ReportIDs) == 0 {
			continue
		}
		if len(previous) > 0 && truth[previous[len(previous)-1]].Timestamp.Equal(truth[page.ReportIDs[0]].Timestamp) {
			resumed++
		}
		previous = page.ReportIDs
	}
	return resumed
}

func largestPage(pages []simulator.ServedPage) int {
	largest := 0
	for _, page := range pages {
		largest = max(largest, len(page.ReportIDs))
	}
	return largest
}
