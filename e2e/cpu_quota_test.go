package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// TestCPUQuotaPausesTheTenant answers every hunting call with the 429 of a tenant whose CPU quota is
// spent until the next 15-minute cycle, and requires the receiver to wait for that cycle instead of
// retrying (README, "Limits, throttling and failures"): while the test watches, no more calls than
// its queries sent before the first answer came back, and then a clean shutdown while paused. That
// the calls resume in the next cycle is left to the receiver's unit tests: a test here would wait
// for up to 15 minutes.
func TestCPUQuotaPausesTheTenant(t *testing.T) {
	const (
		cpuCycle = 15 * time.Minute
		// The receiver calls again 5 s into the next cycle.
		resumeAfterCycle = 5 * time.Second
		watch            = 10 * time.Second
	)
	if untilResume := time.Until(time.Now().Truncate(cpuCycle).Add(cpuCycle + resumeAfterCycle)); untilResume < watch+5*time.Second {
		t.Logf("waiting %s, for the receiver's next call after a CPU-quota answer to be a cycle away", untilResume.Round(time.Second))
		time.Sleep(untilResume)
	}
	world := startFrozenWorld(t, simulator.Options{Faults: simulator.Faults{CPUQuota: 1}}, defaultTableNames...)
	queries := tableQueries(defaultTableNames, pollInterval, frozenLookback)
	receiver := receiverConfig(world.sim, queries...)
	// A receiver that took the 429 for a transient failure would retry ten times a second.
	receiver["retry_on_failure"] = map[string]any{"initial_interval": "100ms", "max_interval": "100ms"}
	collector := startCollector(t, collectorConfig(receiver, map[string]any{"debug": map[string]any{}}, t.TempDir()))

	collector.runFor(watch)
	collector.stop()

	stats := world.sim.logStats(t)
	require.NotZero(t, stats.Faults["CPUQuota"], "no CPU-quota answer was sent")
	require.Equal(t, stats.Faults["CPUQuota"], stats.HuntingTotal(), "calls that were not answered with the CPU quota")
	require.LessOrEqual(t, stats.HuntingTotal(), len(queries), "calls in %s after the tenant's CPU quota was spent", watch)
}
