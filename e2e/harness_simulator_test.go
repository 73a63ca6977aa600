package e2e

import (
	"os"
	"path/filepath"
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

// The tables the simulator serves by default, one query each in the tests.
var defaultTableNames = tableNames(simulator.DefaultTables(time.Time{}))

// testSimulator is a started simulator and the file holding its CA certificate, which the
// collector's TLS settings point at.
type testSimulator struct {
	*simulator.Simulator
	caFile string
	tables []simulator.TableSpec
}

// startSimulator starts a simulator that behaves as opts says, with the test's app registration.
// It is closed when the test ends.
func startSimulator(t *testing.T, opts simulator.Options) *testSimulator {
	t.Helper()
	opts.TenantID, opts.ClientID, opts.ClientSecret = tenantID, clientID, clientSecret
	// The tests poll every second or two, above the service's quota of 45 calls a minute;
	// throttling is for the receiver's own tests.
	opts.CallsPerMinute = 100_000
	sim, err := simulator.New(opts)
	require.NoError(t, err)
	require.NoError(t, sim.Start())
	t.Cleanup(func() { require.NoError(t, sim.Close()) })

	caFile := filepath.Join(t.TempDir(), "simulator-ca.pem")
	require.NoError(t, os.WriteFile(caFile, sim.CAPEM(), 0o600))
	return &testSimulator{Simulator: sim, caFile: caFile, tables: opts.Tables}
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
	// 100 ns is Kusto's resolution; a t0 with 7 significant fractional digits makes every timestamp
	// have them too, so that any rounding on the way shows.
	t0 := time.Now().UTC().Truncate(100 * time.Nanosecond)
	specs := make([]simulator.TableSpec, len(tables))
	for i, name := range tables {
		specs[i] = simulator.TableSpec{Name: name, Start: t0.Add(-frozenHistory), Every: frozenEvery, PerTimestamp: frozenPerTimestamp}
	}
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
