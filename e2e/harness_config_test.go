package e2e

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// receiverID is the receiver's id in every test configuration; the records' scope and the
// storage extension's client are named after it.
const receiverID = "defender_hunting"

// huntingQuery is one entry of the receiver's queries list.
type huntingQuery struct {
	Name               string            `json:"name"`
	Query              string            `json:"query"`
	Interval           string            `json:"interval"`
	Lookback           string            `json:"lookback"`
	IngestionDelay     string            `json:"ingestion_delay"`
	Watermark          string            `json:"watermark,omitempty"`
	ResourceAttributes map[string]string `json:"resource_attributes,omitempty"`
}

// tableQuery returns a query named after table that reads the whole table, windowed up to now
// (no ingestion delay: the simulator's events are there as soon as their time has come).
func tableQuery(table string, interval, lookback time.Duration) huntingQuery {
	return huntingQuery{
		Name:           table,
		Query:          table,
		Interval:       interval.String(),
		Lookback:       lookback.String(),
		IngestionDelay: "0s",
	}
}

// tableQueries returns a tableQuery for each table.
func tableQueries(tables []string, interval, lookback time.Duration) []huntingQuery {
	queries := make([]huntingQuery, len(tables))
	for i, table := range tables {
		queries[i] = tableQuery(table, interval, lookback)
	}
	return queries
}

// The receiver's APIs. Tests of what must hold on both run once for each.
const (
	apiAdvancedHunting = "advanced_hunting"
	apiGraph           = "graph"
)

var apis = []string{apiAdvancedHunting, apiGraph}

// receiverConfig is the defender_hunting section for queries against sim, written as the README
// writes it: api left out (Graph), the tenant at the top level and the application under
// credentials. The secret comes from the environment (see startCollector), as it would in
// production.
func receiverConfig(sim *testSimulator, queries ...huntingQuery) map[string]any {
	return map[string]any{
		"endpoint":  sim.URL(),
		"tls":       map[string]any{"ca_file": sim.caFile},
		"tenant_id": tenantID,
		"credentials": map[string]any{
			"service_principal": map[string]any{
				"client_id":     clientID,
				"client_secret": "${env:DEFENDER_CLIENT_SECRET}",
			},
			// The simulator also plays Entra ID.
			"authority": sim.URL(),
		},
		"storage":          "file_storage",
		"calls_per_minute": callsPerMinute,
		"queries":          queries,
	}
}

// collectorConfig is a collector configuration with the receiver and the exporters (by id) in one
// logs pipeline, and file_storage keeping the receiver's watermarks in storageDir.
func collectorConfig(receiver map[string]any, exporters map[string]any, storageDir string) map[string]any {
	// Sorted, so that the configuration a failing test prints reads the same in every run. (The
	// collector hands each batch to a pipeline's exporters one after the other, but in an order of
	// its own that changes from one start to the next.)
	exporterIDs := slices.Sorted(maps.Keys(exporters))
	return map[string]any{
		"extensions": map[string]any{
			"file_storage": map[string]any{"directory": storageDir, "create_directory": true},
		},
		"receivers": map[string]any{receiverID: receiver},
		"exporters": exporters,
		"service": map[string]any{
			"extensions": []string{"file_storage"},
			"pipelines": map[string]any{
				"logs": map[string]any{"receivers": []string{receiverID}, "exporters": exporterIDs},
			},
			// No internal metrics: their default Prometheus endpoint is a fixed port, which two
			// collectors on one machine (parallel test runs, the demo) would fight over. Debug logs:
			// the output a failing test prints then shows each page fetched and each narrowing.
			"telemetry": map[string]any{"metrics": map[string]any{"level": "none"}, "logs": map[string]any{"level": "debug"}},
		},
	}
}

// fileExporter writes OTLP/JSON lines to path, each request before the exporter returns, so that
// the file holds exactly what the pipeline accepted: nothing the receiver committed can be lost with
// a killed collector, and a test sees records at once. Without rotation the exporter writes through
// a bufio.Writer that a ticker flushes every flush_interval (default 1 s), so records it accepted
// would be lost by SIGKILL; with rotation it writes straight to the file (lumberjack), and a limit
// of a terabyte means it never rotates.
func fileExporter(path string) map[string]any {
	return map[string]any{"path": path, "rotation": map[string]any{"max_megabytes": 1 << 20}}
}

// writeConfig writes config into dir and returns the file's path. JSON is YAML, so the collector
// reads it as it is.
func writeConfig(t *testing.T, dir string, config map[string]any) string {
	t.Helper()
	data, err := json.MarshalIndent(config, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}
