package defenderhuntingreceiver

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// idleTenants is how many tenants' receivers TestIdleQueriesCostATimer runs, each with one query and
// then with five: the difference is what the four more queries of each tenant cost.
const idleTenants = 50

// TestIdleQueriesCostATimer runs many tenants' receivers, lets each query poll once, and measures
// what the queries hold until their next poll: each query must add no more than its parked
// goroutine (and its timer), and the idle queries must use no CPU. The figures are logged (go test
// -v -run TestIdleQueriesCostATimer) and quoted in docs/scale.md.
func TestIdleQueriesCostATimer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 300 queries")
	}
	one := idleCost(t, 1)
	five := idleCost(t, 5)
	added := float64(idleTenants * 4)
	perQuery := func(f func(idleMeasure) float64) float64 { return (f(five) - f(one)) / added }
	goroutines := perQuery(func(m idleMeasure) float64 { return float64(m.goroutines) })
	// Its goroutine's stack is not in the figures: the second run reuses the stacks the first freed.
	t.Logf("an idle query: %.2f goroutines, %.1f KiB of heap; %d idle queries used %v of CPU in %v",
		goroutines, perQuery(func(m idleMeasure) float64 { return float64(m.heap) / 1024 }), idleTenants*5, five.cpu, idleFor)
	t.Logf("a tenant's receiver with one idle query, its HTTP/2 connection to the simulator (both ends in this process) included: "+
		"%.1f goroutines, %.1f KiB of stack, %.1f KiB of heap",
		float64(one.goroutines)/idleTenants, float64(one.stack)/1024/idleTenants, float64(one.heap)/1024/idleTenants)
	require.LessOrEqual(t, goroutines, 1.0, "goroutines per idle query")
	// No work at all between polls: a ticker or goroutine per query doing anything shows here.
	require.Less(t, five.cpu, 100*time.Millisecond, "CPU of %d idle queries in %v", idleTenants*5, idleFor)
}

// idleFor is how long the CPU of idle queries is measured.
const idleFor = 3 * time.Second

// idleMeasure is what idle receivers hold beyond the process without them, and the CPU they used
// over idleFor.
type idleMeasure struct {
	goroutines  int
	heap, stack int64
	cpu         time.Duration
}

// idleCost starts idleTenants receivers of queriesPerTenant queries each, polling once at start and
// then not for an hour, against a simulator serving every tenant, and measures them once every
// query has polled.
func idleCost(t *testing.T, queriesPerTenant int) idleMeasure {
	tenantIDs := append([]string{simTenant}, simulator.NumberedTenantIDs(idleTenants-1)...)
	sim, err := simulator.New(simulator.Options{
		TenantID: simTenant, ClientID: simClientID, ClientSecret: simSecret, MoreTenants: tenantIDs[1:],
		// A few events a query: what an idle query holds is the subject, not what it delivered.
		Tables: []simulator.TableSpec{{Name: "DeviceProcessEvents", Start: time.Now().Add(-time.Minute), Every: 10 * time.Second, PerTimestamp: 1}},
	})
	require.NoError(t, err)
	require.NoError(t, sim.Start())
	defer func() { require.NoError(t, sim.Close()) }()
	before := measureProcess()

	var receivers []receiver.Logs
	defer func() {
		for _, rcv := range receivers {
			require.NoError(t, rcv.Shutdown(t.Context()))
		}
	}()
	for i, tenant := range tenantIDs {
		cfg := simulatorConfig(t, sim, secretOf(simSecret))
		cfg.TenantID, cfg.Storage = tenant, nil
		q := cfg.Queries[0]
		cfg.Queries = nil
		for j := range queriesPerTenant {
			q.Name, q.Interval = fmt.Sprintf("q%d", j), time.Hour
			cfg.Queries = append(cfg.Queries, q)
		}
		require.NoError(t, cfg.Validate())
		settings := receivertest.NewNopSettings(metadata.Type)
		settings.ID = component.MustNewIDWithName(metadata.Type.String(), fmt.Sprintf("tenant%03d", i))
		// Records are not kept: what an idle query holds is the subject, not what it delivered.
		rcv, err := NewFactory().CreateLogs(t.Context(), settings, cfg, consumertest.NewNop())
		require.NoError(t, err)
		require.NoError(t, rcv.Start(t.Context(), &testHost{}))
		receivers = append(receivers, rcv)
	}
	queries := idleTenants * queriesPerTenant
	require.Eventually(t, func() bool { return sim.Stats().HuntingTotal() >= queries }, time.Minute, 50*time.Millisecond,
		"every query polls once at start")
	time.Sleep(time.Second) // the last polls hand their records over and park

	idle := measureProcess()
	time.Sleep(idleFor)
	cpu := processCPU() - idle.cpu
	require.Equal(t, queries, sim.Stats().HuntingTotal(), "calls between polls")
	return idleMeasure{
		goroutines: idle.goroutines - before.goroutines,
		heap:       int64(idle.heap) - int64(before.heap),
		stack:      int64(idle.stack) - int64(before.stack),
		cpu:        cpu,
	}
}

// processMeasure is what the process holds and has spent at one moment, after garbage collection.
type processMeasure struct {
	goroutines  int
	heap, stack uint64
	cpu         time.Duration
}

func measureProcess() processMeasure {
	// Twice: the first only moves the read buffers pooled between polls to the pool's victim cache.
	runtime.GC()
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	return processMeasure{goroutines: runtime.NumGoroutine(), heap: mem.HeapAlloc, stack: mem.StackInuse, cpu: processCPU()}
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage) // cannot fail with RUSAGE_SELF
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
