package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// TestLateRows has a share of a table's events become queryable 30 s after their Timestamp, and runs
// two queries on it in one collector, one per watermark mode, to show the trade-off README ("Late
// data") describes: windows on event time with an ingestion_delay of 5 s miss exactly the events
// that arrive later than that, and windows on ingestion time with a delay of 1 s deliver every event
// exactly once.
func TestLateRows(t *testing.T) {
	const (
		table    = "DeviceNetworkEvents"
		events   = 300
		every    = 999_999 * 100 * time.Nanosecond // 2 events every ~100 ms: 15 s of events
		lateBy   = 30 * time.Second
		interval = time.Second
	)
	modes := []huntingQuery{
		{Name: "by_event_time", Watermark: "timestamp_column", IngestionDelay: "5s"},
		{Name: "by_ingestion_time", Watermark: "ingestion_time", IngestionDelay: "1s"},
	}
	// The events start now, so that none of the late ones is queryable yet when the first window
	// on event time is asked for.
	start := time.Now().UTC().Truncate(100 * time.Nanosecond)
	sim := startSimulator(t, simulator.Options{
		Tables:    []simulator.TableSpec{{Name: table, Start: start, Every: every, PerTimestamp: 2, Count: events}},
		LateShare: 0.3,
		LateBy:    lateBy,
	})
	for i := range modes {
		modes[i].Query, modes[i].Interval, modes[i].Lookback = table, interval.String(), frozenLookback.String()
	}
	out := newExportedFile(t)
	collector := startCollector(t, collectorConfig(receiverConfig(sim, modes...), map[string]any{"file": fileExporter(out.path)}, t.TempDir()))

	// The last event is queryable some 45 s from now, and the query on ingestion time delivers it
	// a poll or two later: wait for that, then let both queries poll a few times more.
	ingestionQuery := modes[1].Name
	collector.waitFor(lateBy+time.Minute, "every event delivered by "+ingestionQuery, func() (bool, string) {
		records, err := out.records()
		n := len(deliveredByQuery(records)[ingestionQuery])
		return err == nil && n >= events, fmt.Sprintf("%d events, %v", n, err)
	})
	collector.runFor(settleTime)
	collector.stop()

	records, err := out.records()
	require.NoError(t, err)
	byQuery := deliveredByQuery(records)
	expected := sim.GroundTruth(table, start.Add(-time.Second), time.Now())
	require.Len(t, expected, events, "events ingested by now")
	for _, mode := range modes {
		t.Run(mode.Name, func(t *testing.T) {
			delay, err := time.ParseDuration(mode.IngestionDelay)
			require.NoError(t, err)
			// Windows on event time stay ingestion_delay behind now: an event queryable later than
			// that after its Timestamp is missed. Windows on ingestion time miss nothing.
			var wantMissed, missed []int64
			for _, e := range expected {
				if mode.Watermark == "timestamp_column" && e.IngestionTime.Sub(e.Timestamp) > delay {
					wantMissed = append(wantMissed, e.ReportID)
				}
				if byQuery[mode.Name][e.ReportID] == 0 {
					missed = append(missed, e.ReportID)
				}
			}
			report := simulator.Compare(expected, byQuery[mode.Name])
			t.Logf("report: %s; %d of the %d events were queryable %s after their Timestamp, later than ingestion_delay %s",
				report, countLate(expected, delay), events, lateBy, delay)
			require.Equal(t, len(wantMissed), report.Missing, "missing events")
			require.Equal(t, wantMissed, missed, "the events missed (ReportIds, in time order)")
			require.Zero(t, report.Duplicated, "duplicated events")
			require.Zero(t, report.Unexpected, "unexpected events")
		})
	}
	require.NotZero(t, countLate(expected, 0), "no event arrived late")
}

// countLate counts the events queryable more than delay after their Timestamp.
func countLate(events []simulator.Event, delay time.Duration) int {
	return len(slices.DeleteFunc(slices.Clone(events), func(e simulator.Event) bool {
		return e.IngestionTime.Sub(e.Timestamp) <= delay
	}))
}
