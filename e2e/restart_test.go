package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// TestRestartResumesFromCheckpoint runs the collector twice on one storage directory, against
// tables that keep growing in real time, and requires the two runs together to have delivered a
// gapless prefix of each table, nothing twice, and the second run to have delivered new events: with
// the same API both times, and with the second run moved from advanced hunting to Graph, whose
// checkpoints are the same (README, "Moving from advanced_hunting to graph").
func TestRestartResumesFromCheckpoint(t *testing.T) {
	const (
		history  = 5 * time.Minute
		every    = 999_999 * 100 * time.Nanosecond // ~100 ms, with 7 significant fractional digits
		runTime  = 8 * time.Second
		interval = time.Second
		lookback = 10 * time.Minute
	)
	for _, tc := range []struct {
		name        string
		first, then string // the api of each run
	}{
		{"same API", apiGraph, apiGraph},
		{"advanced_hunting, then graph", apiAdvancedHunting, apiGraph},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now().UTC().Add(-history)
			specs := make([]simulator.TableSpec, len(defaultTableNames))
			for i, table := range defaultTableNames {
				specs[i] = simulator.TableSpec{Name: table, Start: start, Every: every, PerTimestamp: 2}
			}
			queries := tableQueries(defaultTableNames, interval, lookback)
			sim := startSimulator(t, simulator.Options{Tables: specs})
			storageDir := t.TempDir()
			run := func(api string) map[int64]int {
				callsBefore := callsByAPI(sim.Stats())
				out := newExportedFile(t)
				receiver := receiverConfig(sim, queries...)
				receiver["api"] = api
				collector := startCollector(t, collectorConfig(receiver, map[string]any{"file": fileExporter(out.path)}, storageDir))
				collector.runFor(runTime)
				collector.stop()
				requireCallsTo(t, api, callsBefore, callsByAPI(sim.Stats()))
				delivered, err := out.delivered()
				require.NoError(t, err)
				return delivered
			}

			first := run(tc.first)
			second := run(tc.then)

			newInSecond := 0
			for id := range second {
				if first[id] == 0 {
					newInSecond++
				}
			}
			require.NotZero(t, newInSecond, "the second run delivered nothing new")
			both := first // first is not used on its own any more
			for id, n := range second {
				both[id] += n
			}
			for _, spec := range specs {
				t.Run(spec.Name, func(t *testing.T) {
					events := sim.GroundTruth(spec.Name, spec.Start.Add(-time.Second), time.Now())
					prefix := deliveredPrefix(events, both)
					require.NotEmpty(t, prefix, "nothing delivered")
					requireExactlyOnce(t, prefix, restrictTo(both, events))
				})
			}
		})
	}
}

// deliveredPrefix returns the events up to the latest one delivered, all those sharing its
// timestamp included: what a client that moves through time without gaps has delivered.
func deliveredPrefix(events []simulator.Event, delivered map[int64]int) []simulator.Event {
	var latest time.Time
	for _, e := range events {
		if delivered[e.ReportID] > 0 && e.Timestamp.After(latest) {
			latest = e.Timestamp
		}
	}
	var prefix []simulator.Event
	for _, e := range events {
		if !e.Timestamp.After(latest) {
			prefix = append(prefix, e)
		}
	}
	return prefix
}

// restrictTo keeps the deliveries of the given events.
func restrictTo(delivered map[int64]int, events []simulator.Event) map[int64]int {
	kept := make(map[int64]int)
	for _, e := range events {
		if n := delivered[e.ReportID]; n > 0 {
			kept[e.ReportID] = n
		}
	}
	return kept
}
