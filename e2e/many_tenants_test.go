package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// Knobs of TestManyTenantsInOneCollector, for scripts/bench-tenants.sh: how many tenants, and how
// long the steady state is measured.
const (
	envTenants = "MANY_TENANTS"
	envSteady  = "MANY_TENANTS_STEADY"
)

const (
	// manyTenantsInterval polls each query every 10 s: 5 queries make 30 calls per tenant per
	// minute, under the service's 45, so that the simulator's real quota and the receiver's default
	// budget apply unchanged.
	manyTenantsInterval = 10 * time.Second
	// manyTenantsHistory is how far back each tenant's events begin when the collector starts; the
	// queries' lookback reaches past it.
	manyTenantsHistory  = 30 * time.Second
	manyTenantsLookback = time.Minute
	// manyTenantsWarmup is the time allowed for the start and the first poll of every query before
	// the steady state; events keep coming until it and the steady state are over.
	manyTenantsWarmup = 20 * time.Second
	// serviceCallsPerMinute is the service's documented quota per tenant, and the receiver's
	// default calls_per_minute.
	serviceCallsPerMinute = 45
)

// manyTenantsTables are a tenant's tables: about one event a second in all, at spacings with 7
// significant fractional digits, two events on each process timestamp.
func manyTenantsTables(start time.Time, live time.Duration) []simulator.TableSpec {
	specs := []simulator.TableSpec{
		{Name: "DeviceProcessEvents", Every: 33333337 * 100 * time.Nanosecond, PerTimestamp: 2},
		{Name: "DeviceNetworkEvents", Every: 27777771 * 100 * time.Nanosecond, PerTimestamp: 1},
		{Name: "AADSignInEventsBeta", Every: 71234567 * 100 * time.Nanosecond, PerTimestamp: 1},
	}
	for i := range specs {
		specs[i].Start = start
		// The tables end once the steady state is over, so that every event can be checked.
		specs[i].Count = int64(live/specs[i].Every+1) * int64(specs[i].PerTimestamp)
	}
	return specs
}

// manyTenantsQueries are a tenant's five queries. Two tables are each split in two by a condition
// and its negation (text columns are never null in the simulator), so that together the queries
// deliver each event of the three tables once.
func manyTenantsQueries() []huntingQuery {
	query := func(name, text string) huntingQuery {
		return huntingQuery{Name: name, Query: text, Interval: manyTenantsInterval.String(), Lookback: manyTenantsLookback.String(), IngestionDelay: "0s"}
	}
	return []huntingQuery{
		query("powershell", `DeviceProcessEvents | where FileName =~ "powershell.exe"`),
		query("other_processes", `DeviceProcessEvents | where FileName !~ "powershell.exe"`),
		query("tcp", `DeviceNetworkEvents | where Protocol =~ "Tcp"`),
		query("other_network", `DeviceNetworkEvents | where Protocol !~ "Tcp"`),
		query("sign_ins", `AADSignInEventsBeta`),
	}
}

// TestManyTenantsInOneCollector runs one collector with a receiver per tenant (200 tenants x 5
// queries by default) against a simulator serving every tenant, with the service's quota of 45
// calls a minute per tenant. It measures the collector over a steady state of polling while events
// keep coming (memory per query, CPU, calls per tenant per minute), then requires each tenant's
// events delivered once, under that tenant's id, and no call refused by a quota.
func TestManyTenantsInOneCollector(t *testing.T) {
	tenants := envInt(t, envTenants, 200)
	steady := envDuration(t, envSteady, 20*time.Second)
	queries := manyTenantsQueries()

	start := time.Now().UTC()
	live := manyTenantsWarmup + steady
	tenantIDs := append([]string{tenantID}, simulator.NumberedTenantIDs(tenants-1)...)
	sim := startSimulator(t, simulator.Options{
		MoreTenants: tenantIDs[1:], Tables: manyTenantsTables(start.Add(-manyTenantsHistory), live), CallsPerMinute: serviceCallsPerMinute,
	})

	receivers := map[string]any{}
	var ids []string
	for i, tenant := range tenantIDs {
		receiver := receiverConfig(sim, queries...)
		receiver["tenant_id"] = tenant
		delete(receiver, "calls_per_minute") // the default: the service's quota
		id := fmt.Sprintf("%s/tenant%03d", receiverID, i)
		receivers[id] = receiver
		ids = append(ids, id)
	}
	out := newExportedFile(t)
	metricsAddr := freeLoopbackAddr(t)
	collector := startCollector(t, manyReceiversConfig(receivers, ids, out.path, t.TempDir(), metricsAddr))
	pid := collector.cmd.Process.Pid

	// Warm-up: every query has polled once and delivered its history.
	historyEvents := 0
	for _, tenant := range tenantIDs {
		for _, spec := range sim.tables {
			historyEvents += len(sim.GroundTruthOf(tenant, spec.Name, spec.Start.Add(-time.Second), start))
		}
	}
	collector.waitFor(manyTenantsWarmup+time.Minute, "the first poll of every query", func() (bool, string) {
		delivered, err := out.delivered()
		if err != nil {
			return false, err.Error()
		}
		calls := sim.Stats().HuntingTotal()
		return calls >= len(ids)*len(queries) && total(delivered) >= historyEvents,
			fmt.Sprintf("%d calls, %d of the history's %d events", calls, total(delivered), historyEvents)
	})

	// Steady state.
	cpuBefore, statsBefore, steadyStart := processCPU(t, pid), sim.Stats(), time.Now()
	collector.runFor(steady)
	cpu, statsAfter, measured := processCPU(t, pid)-cpuBefore, sim.Stats(), time.Since(steadyStart)
	rss, peak := processMemory(t, pid)
	heap := scrapeMetric(t, metricsAddr, "otelcol_process_runtime_heap_alloc_bytes")
	liveEnd := start.Add(live)
	flowing := time.Now().Before(liveEnd)

	// Every event once, per tenant.
	var expected []simulator.Event
	byTenant := map[string][]simulator.Event{}
	for _, tenant := range tenantIDs {
		for _, spec := range sim.tables {
			events := sim.GroundTruthOf(tenant, spec.Name, spec.Start.Add(-time.Second), liveEnd.Add(time.Hour))
			byTenant[tenant] = append(byTenant[tenant], events...)
			expected = append(expected, events...)
		}
	}
	if wait := time.Until(liveEnd); wait > 0 {
		collector.runFor(wait)
	}
	awaitDeliveries(collector, len(expected), 2*manyTenantsInterval+time.Minute, out.delivered)
	collector.runFor(manyTenantsInterval) // a poll of every query after the last event: one delivering rows again shows
	collector.stop()

	perTenant := callsPerTenantPerMinute(statsBefore.TenantCalls, statsAfter.TenantCalls, tenantIDs, measured)
	nQueries := float64(len(ids) * len(queries))
	t.Logf("many tenants: %d tenants x %d queries = %.0f queries; steady state over %v (events flowing: %v): "+
		"CPU %.2f s (%.1f%% of a core), RSS %.1f MiB (%.1f KiB per query; peak %.1f MiB), Go heap %.1f MiB (%.1f KiB per query); "+
		"calls per tenant per minute min %.1f, median %.1f, max %.1f",
		tenants, len(queries), nQueries, measured.Round(time.Second), flowing,
		cpu.Seconds(), 100*cpu.Seconds()/measured.Seconds(), mib(rss), float64(rss)/1024/nQueries, mib(peak), mib(heap), float64(heap)/1024/nQueries,
		perTenant[0], perTenant[len(perTenant)/2], perTenant[len(perTenant)-1])

	delivered := readDeliveredByTenant(t, out.path)
	for _, tenant := range tenantIDs {
		report := simulator.Compare(byTenant[tenant], delivered[strings.ToLower(tenant)])
		require.Positive(t, report.Expected, "tenant %s has no events", tenant)
		require.True(t, report.OK() && report.Unexpected == 0, "tenant %s: %s", tenant, report)
	}
	require.Len(t, delivered, len(tenantIDs), "records under tenants that were not polled")
	all, err := out.delivered()
	require.NoError(t, err)
	report := simulator.Compare(expected, all)
	t.Logf("many tenants: every tenant's events: %s", report)
	stats := sim.logStats(t)
	require.Zero(t, stats.GraphCalls[http.StatusTooManyRequests], "calls refused by a tenant's quota")
}

// manyReceiversConfig is collectorConfig for several receivers in one pipeline, writing to a file
// exporter, with info logs (debug logs of a thousand queries would be the collector's main work) and
// the collector's own metrics on a Prometheus endpoint at metricsAddr.
func manyReceiversConfig(receivers map[string]any, ids []string, outPath, storageDir, metricsAddr string) map[string]any {
	host, port, _ := strings.Cut(metricsAddr, ":")
	portNumber, _ := strconv.Atoi(port)
	return map[string]any{
		"extensions": map[string]any{
			"file_storage": map[string]any{"directory": storageDir, "create_directory": true},
		},
		"receivers": receivers,
		"exporters": map[string]any{"file": fileExporter(outPath)},
		"service": map[string]any{
			"extensions": []string{"file_storage"},
			"pipelines": map[string]any{
				"logs": map[string]any{"receivers": ids, "exporters": []string{"file"}},
			},
			"telemetry": map[string]any{
				"logs": map[string]any{"level": "info"},
				"metrics": map[string]any{"level": "normal", "readers": []any{map[string]any{"pull": map[string]any{
					"exporter": map[string]any{"prometheus": map[string]any{"host": host, "port": portNumber}},
				}}}},
			},
		},
	}
}

// callsPerTenantPerMinute returns each tenant's hunting calls per minute between two counts, sorted.
func callsPerTenantPerMinute(before, after map[string]int, tenants []string, over time.Duration) []float64 {
	rates := make([]float64, len(tenants))
	for i, tenant := range tenants {
		rates[i] = float64(after[tenant]-before[tenant]) / over.Minutes()
	}
	slices.Sort(rates)
	return rates
}

// processCPU is the CPU time, user and system, that process pid has used, from /proc/PID/stat.
func processCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	// The fields after the command name (in parentheses, which may hold spaces): utime and stime
	// are the 14th and 15th fields of the line, in clock ticks of 1/100 s (USER_HZ).
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	require.NoError(t, err)
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	require.NoError(t, err)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// processMemory is the resident set size of process pid and its peak, in bytes, from
// /proc/PID/status.
func processMemory(t *testing.T, pid int) (rss, peak uint64) {
	t.Helper()
	file, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		name, value, _ := strings.Cut(scanner.Text(), ":")
		kib, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch {
		case name == "VmRSS" && err == nil:
			rss = kib * 1024
		case name == "VmHWM" && err == nil:
			peak = kib * 1024
		}
	}
	require.NoError(t, scanner.Err())
	require.NotZero(t, rss, "no VmRSS in /proc/%d/status", pid)
	return rss, peak
}

// scrapeMetric reads the value of the metric named name (without labels) from the collector's
// Prometheus endpoint at addr.
func scrapeMetric(t *testing.T, addr, name string) uint64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	for line := range strings.Lines(string(body)) {
		metric, value, found := strings.Cut(strings.TrimSpace(line), " ")
		if found && (metric == name || strings.HasPrefix(metric, name+"{")) {
			parsed, err := strconv.ParseFloat(value, 64)
			require.NoError(t, err, line)
			return uint64(parsed)
		}
	}
	t.Fatalf("no %s among the collector's metrics", name)
	return 0
}

// readDeliveredByTenant counts the deliveries per ReportId of each tenant in the file exporter's
// output, by the tenant on the records' resource (in lower case).
func readDeliveredByTenant(t *testing.T, path string) map[string]map[int64]int {
	t.Helper()
	file, err := os.Open(path)
	require.NoError(t, err)
	defer file.Close()
	delivered, err := simulator.ReadDeliveredByTenant(file)
	require.NoError(t, err)
	return delivered
}

func envInt(t *testing.T, name string, fallback int) int {
	t.Helper()
	text := os.Getenv(name)
	if text == "" {
		return fallback
	}
	n, err := strconv.Atoi(text)
	require.NoError(t, err, name)
	require.Positive(t, n, name)
	return n
}

func envDuration(t *testing.T, name string, fallback time.Duration) time.Duration {
	t.Helper()
	text := os.Getenv(name)
	if text == "" {
		return fallback
	}
	d, err := time.ParseDuration(text)
	require.NoError(t, err, name)
	return d
}

func mib(bytes uint64) float64 { return float64(bytes) / (1 << 20) }
