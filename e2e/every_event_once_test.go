package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

const (
	// pagingRowCap is under a table's ~3,600 events, and not a multiple of the 3 events sharing a
	// timestamp, so that pages end inside a group of them.
	pagingRowCap = 1000
	// faultsRowCap cuts a frozen world into about 110 pages, so that a quarter of the calls failing
	// meets each kind of fault several times.
	faultsRowCap = 100
	// faultsClientTimeout is the receiver's HTTP timeout under faults: far above what a page of
	// faultsRowCap rows takes to read, far below faultsStallFor.
	faultsClientTimeout = 3 * time.Second
	faultsStallFor      = 10 * time.Second
)

// quarterFailing fails about a quarter of the hunting calls (the per-call faults add up to 0.25), in
// each way the service and its gateway have been seen to fail, and a share of the token requests.
// The seed fixes which calls fail: the n-th hunting call (or token request) fails the same way in
// every run, so runs, which all make some 180 calls, meet the same faults; requireFaultsMet checks
// that they meet each kind.
//
// CPUQuota is not among them: the receiver rightly pauses the tenant until the next 15-minute
// cycle, which would hold the test up for as long; TestCPUQuotaPausesTheTenant checks that pause.
var quarterFailing = simulator.Options{
	RowCap: faultsRowCap,
	Faults: simulator.Faults{
		Status500: 0.03, Status502: 0.025, Status503: 0.025, GatewayTimeout504: 0.025,
		Preempted: 0.03, CallQuota: 0.025, CutOffBody: 0.035, ResetConnection: 0.035,
		Stall:            0.02, // the body stops for faultsStallFor, past the client's timeout
		TokenEndpoint503: 0.05,
	},
	Seed:       7,
	RetryAfter: true, // a CallQuota's 429 says to wait 2 s
	StallFor:   faultsStallFor,
	// Under azidentity's 5-minute refresh margin, so that every hunting call asks for a token and
	// the token endpoint's failures are met too.
	TokenLifetime: time.Minute,
}

// TestEveryEventOnceTyped runs one query per table over a history that no longer changes and
// requires every event in the file exporter's output exactly once, with typed values: in one call
// per window, paging through windows under a row cap, and with a quarter of the calls failing; on
// both APIs.
func TestEveryEventOnceTyped(t *testing.T) {
	for _, api := range apis {
		for _, tc := range []struct {
			name string
			sim  simulator.Options
			// receiver holds settings beyond those every case has.
			receiver map[string]any
		}{
			{"one call per window", simulator.Options{}, nil},
			{"row cap pages the window", simulator.Options{RowCap: pagingRowCap}, map[string]any{"row_cap": pagingRowCap}},
			{"a quarter of calls failing", quarterFailing, map[string]any{
				"row_cap": faultsRowCap,
				"timeout": faultsClientTimeout.String(),
				// Batches smaller than a page are committed while its body is still read, so that
				// a body that breaks off later shows whether the rest of it was committed too.
				"batch_size": faultsRowCap * 2 / 5,
			}},
		} {
			t.Run(api+"/"+tc.name, func(t *testing.T) {
				world := startFrozenWorld(t, tc.sim, defaultTableNames...)
				expected := world.expected()
				queries := tableQueries(defaultTableNames, pollInterval, frozenLookback)
				receiver := receiverConfig(world.sim, queries...)
				receiver["api"] = api
				// Typed columns, which checkTyping checks: the default body is the row's JSON text.
				receiver["columns_in"] = "body"
				for k, v := range tc.receiver {
					receiver[k] = v
				}
				// Retry soon: the default backoff (5 s and up) would only make the test slow.
				receiver["retry_on_failure"] = map[string]any{"initial_interval": "100ms", "max_interval": "1s"}
				out := newExportedFile(t)
				collector := startCollector(t, collectorConfig(receiver, map[string]any{"file": fileExporter(out.path)}, t.TempDir()))

				awaitDeliveries(collector, len(expected), deliveryTimeout, out.delivered)
				collector.stop()

				delivered, err := out.delivered()
				require.NoError(t, err)
				requireExactlyOnce(t, expected, delivered)
				stats := world.sim.logStats(t)
				requireCallsTo(t, api, nil, callsByAPI(stats))
				if tc.sim.RowCap != 0 {
					require.Greater(t, stats.HuntingTotal(), len(expected)/tc.sim.RowCap, "hunting calls: too few for the row cap to have cut a window")
				}
				requireFaultsMet(t, tc.sim.Faults, stats)
				records, err := out.records()
				require.NoError(t, err)
				checkTyping(t, expected, records)
			})
		}
	}
}
