package e2e

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// pagingRowCap is under a table's ~3,600 events, and not a multiple of the 3 events sharing a
// timestamp, so that pages end inside a group of them.
const pagingRowCap = 1000

// TestEveryEventOnceTyped runs one query per table over a history that no longer changes and
// requires every event in the file exporter's output exactly once, with typed values: in one call
// per window, paging through windows under a row cap, and despite transient failures.
func TestEveryEventOnceTyped(t *testing.T) {
	for _, tc := range []struct {
		name string
		sim  simulator.Options
	}{
		{"one call per window", simulator.Options{}},
		{"row cap pages the window", simulator.Options{RowCap: pagingRowCap}},
		{"transient failures", simulator.Options{RowCap: pagingRowCap, Faults: simulator.Faults{
			Status503: 0.1, ResetConnection: 0.1, CutOffBody: 0.1, Preempted: 0.1,
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			world := startFrozenWorld(t, tc.sim, defaultTableNames...)
			expected := world.expected()
			queries := make([]huntingQuery, len(defaultTableNames))
			for i, table := range defaultTableNames {
				queries[i] = tableQuery(table, pollInterval, frozenLookback)
			}
			receiver := receiverConfig(world.sim, queries...)
			if tc.sim.RowCap != 0 {
				receiver["row_cap"] = tc.sim.RowCap
			}
			// Retry soon: the default backoff (5 s and up) would only make the test slow.
			receiver["retry_on_failure"] = map[string]any{"initial_interval": "100ms", "max_interval": "1s"}
			out := filepath.Join(t.TempDir(), "events.json")
			collector := startCollector(t, collectorConfig(receiver, map[string]any{"file": fileExporter(out)}, t.TempDir()))

			awaitDeliveries(collector, len(expected), func() (map[int64]int, error) { return deliveredToFile(out) })
			collector.stop()

			delivered, err := deliveredToFile(out)
			require.NoError(t, err)
			requireExactlyOnce(t, expected, delivered)
			stats := world.sim.Stats()
			t.Logf("simulator: hunting calls by status %v, rows served %d", stats.HuntingCalls, stats.RowsServed)
			if tc.sim.RowCap != 0 {
				require.Greater(t, stats.HuntingTotal(), len(expected)/tc.sim.RowCap, "hunting calls: too few for the row cap to have cut a window")
			}
			checkTyping(t, expected, readExportedRecords(t, out))
		})
	}
}
