package e2e

import (
	"cmp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// The app registration the simulator accepts and the collector signs in as.
const (
	tenantID     = "6f2a4c1e-8b3d-4e5f-9a7c-1d2e3f4a5b6c"
	clientID     = "0c9b8a7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"
	clientSecret = "e2e-client-secret"
)

// callsPerMinute is the simulator's quota and the receiver's budget of hunting calls. The tests
// poll every second or two and page through small row caps, far above the service's quota of 45
// calls a minute, the receiver's default budget, which would hold them up for minutes; throttling
// is for the receiver's own tests.
const callsPerMinute = 100_000

// The tables the simulator serves by default, one query each in the tests.
var defaultTableNames = tableNames(simulator.DefaultTables(time.Time{}))

// testSimulator is a started simulator and the file holding its CA certificate, which the
// collector's TLS settings point at.
type testSimulator struct {
	*simulator.Simulator
	caFile string
	tables []simulator.TableSpec
}

// startSimulator starts a simulator that behaves as opts says, with the test's app registration
// and, unless opts sets one, a quota of callsPerMinute. It is closed when the test ends.
func startSimulator(t *testing.T, opts simulator.Options) *testSimulator {
	t.Helper()
	opts.TenantID, opts.ClientID, opts.ClientSecret = tenantID, clientID, clientSecret
	opts.CallsPerMinute = cmp.Or(opts.CallsPerMinute, callsPerMinute)
	sim, err := simulator.New(opts)
	require.NoError(t, err)
	require.NoError(t, sim.Start())
	t.Cleanup(func() { require.NoError(t, sim.Close()) })
	ts := &testSimulator{Simulator: sim, tables: opts.Tables}
	t.Cleanup(func() {
		if t.Failed() {
			ts.logStats(t)
		}
	})

	caFile := filepath.Join(t.TempDir(), "simulator-ca.pem")
	require.NoError(t, os.WriteFile(caFile, sim.CAPEM(), 0o600))
	ts.caFile = caFile
	return ts
}

// frozenWorld is a simulator whose clock stands still at t0, so that the events a query can ever
// return are known in advance: those of the history before t0.
type frozenWorld struct {
	sim *testSimulator
	t0  time.Time
}

const (
	// frozenHistory is how far back a frozen world's tables start before t0.
	frozenHistory = 10 * time.Minute
	// frozenLookback reaches beyond frozenHistory, so a query's first window holds it all.
	frozenLookback = 15 * time.Minute
	// frozenEvery spaces a frozen world's timestamps; its 7 significant fractional digits make any
	// rounding of datetimes show.
	frozenEvery = 4_999_999 * 100 * time.Nanosecond
	// frozenPerTimestamp events share each timestamp, so that a client cannot page on the
	// timestamp alone.
	frozenPerTimestamp = 3
)

// startFrozenWorld serves the given tables with events from t0-frozenHistory to t0, and otherwise
// behaves as opts says (row cap, faults).
func startFrozenWorld(t *testing.T, opts simulator.Options, tables ...string) frozenWorld {
	t.Helper()
	t0 := frozenNow()
	specs := make([]simulator.TableSpec, len(tables))
	for i, name := range tables {
		specs[i] = simulator.TableSpec{Name: name, Start: t0.Add(-frozenHistory), Every: frozenEvery, PerTimestamp: frozenPerTimestamp}
	}
	return startFrozenWorldAt(t, opts, t0, specs...)
}

// frozenNow is a time to stop a world's clock at: now, with 7 significant fractional digits. 100 ns
// is Kusto's resolution, and a t0 that uses all of it makes every timestamp use it too, so that any
// rounding on the way shows.
func frozenNow() time.Time {
	return time.Now().UTC().Truncate(100 * time.Nanosecond)
}

// startFrozenWorldAt serves the tables of specs, which must have happened by t0, with the clock
// standing at t0; otherwise it behaves as opts says.
func startFrozenWorldAt(t *testing.T, opts simulator.Options, t0 time.Time, specs ...simulator.TableSpec) frozenWorld {
	t.Helper()
	opts.Now = func() time.Time { return t0 }
	opts.Tables = specs
	sim := startSimulator(t, opts)
	return frozenWorld{sim: sim, t0: t0}
}

// expected returns the events of every table of w, all of which a query with a lookback beyond
// frozenHistory must deliver.
func (w frozenWorld) expected() []simulator.Event {
	var events []simulator.Event
	for _, spec := range w.sim.tables {
		events = append(events, w.sim.GroundTruth(spec.Name, spec.Start.Add(-time.Second), w.t0)...)
	}
	return events
}

func tableNames(specs []simulator.TableSpec) []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

// logStats logs and returns what the collector did to the simulator: calls by status at each
// endpoint, token responses by status, rows served whole, and the faults injected by kind.
func (s *testSimulator) logStats(t *testing.T) simulator.Counters {
	t.Helper()
	stats := s.Stats()
	t.Logf("simulator: advanced hunting calls by status %v, Graph calls by status %v, token responses by status %v, rows served %d, faults %v",
		stats.HuntingCalls, stats.GraphCalls, stats.TokenResponses, stats.RowsServed, stats.Faults)
	return stats
}

// callsByAPI counts the hunting calls made at each API's endpoint, whatever their outcome.
func callsByAPI(stats simulator.Counters) map[string]int {
	calls := map[string]int{}
	for api, byStatus := range map[string]map[int]int{apiAdvancedHunting: stats.HuntingCalls, apiGraph: stats.GraphCalls} {
		for _, n := range byStatus {
			calls[api] += n
		}
	}
	return calls
}

// requireCallsTo requires the hunting calls made between two counts of callsByAPI (before may be
// nil: no calls yet) to have gone to api's endpoint, and at least one to have been made.
func requireCallsTo(t *testing.T, api string, before, after map[string]int) {
	t.Helper()
	for _, endpoint := range apis {
		made := after[endpoint] - before[endpoint]
		if endpoint == api {
			require.Positive(t, made, "no calls to the %s endpoint", endpoint)
		} else {
			require.Zero(t, made, "calls to the %s endpoint, with api %s", endpoint, api)
		}
	}
}

// requireFaultsMet requires each fault that faults turns on to have been injected at least once,
// so that a test passing under faults says something about each of them.
func requireFaultsMet(t *testing.T, faults simulator.Faults, stats simulator.Counters) {
	t.Helper()
	on := faults.String() // "Status500=0.03,CutOffBody=0.05", as the simulator's flag reads them
	if on == "" {
		return
	}
	for _, pair := range strings.Split(on, ",") {
		kind, _, _ := strings.Cut(pair, "=")
		require.NotZero(t, stats.Faults[kind], "fault %s was never injected; faults injected: %v", kind, stats.Faults)
	}
}
