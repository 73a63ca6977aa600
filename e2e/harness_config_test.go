package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
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

// receiverConfig is the defender_hunting section for queries against sim. The secret comes from
// the environment (see startCollector), as it would in production.
func receiverConfig(sim *testSimulator, queries ...huntingQuery) map[string]any {
	return map[string]any{
		"api":      "advanced_hunting",
		"endpoint": sim.URL(),
		"tls":      map[string]any{"ca_file": sim.caFile},
		"auth": map[string]any{
			"tenant_id":     tenantID,
			"client_id":     clientID,
			"client_secret": "${env:DEFENDER_CLIENT_SECRET}",
			"authority":     sim.URL(),
		},
		"storage": "file_storage",
		"queries": queries,
	}
}

// collectorConfig is a collector configuration with the receiver and the exporters (by id) in one
// logs pipeline, and file_storage keeping the receiver's watermarks in storageDir.
func collectorConfig(receiver map[string]any, exporters map[string]any, storageDir string) map[string]any {
	exporterIDs := make([]string, 0, len(exporters))
	for id := range exporters {
		exporterIDs = append(exporterIDs, id)
	}
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
			// collectors on one machine (parallel test runs, the demo) would fight over.
			"telemetry": map[string]any{"metrics": map[string]any{"level": "none"}},
		},
	}
}

// fileExporter writes OTLP/JSON lines to path, flushed often so that a test sees records soon.
func fileExporter(path string) map[string]any {
	return map[string]any{"path": path, "flush_interval": "100ms"}
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
