package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// otlpRecord is a log record received over OTLP/HTTP, with its resource.
type otlpRecord struct {
	resource pcommon.Resource
	record   plog.LogRecord
}

func (r otlpRecord) reportID() int64 {
	body := r.record.Body()
	if body.Type() == pcommon.ValueTypeStr { // columns_in: json
		id, _ := integer(columnsOfJSONText(body.Str())["ReportId"])
		return id
	}
	id, _ := body.Map().Get("ReportId")
	return id.Int()
}

// startOTLPSink serves OTLP/HTTP logs in protobuf, as Elastic's OTLP intake (APM Server, the
// managed OTLP endpoint) does.
func startOTLPSink(t *testing.T) *httpSink[otlpRecord] {
	return startHTTPSink(t, []string{"/v1/logs"}, otlpRecord.reportID,
		func(_ *http.Request, body []byte) ([]otlpRecord, error) {
			request := plogotlp.NewExportRequest()
			if err := request.UnmarshalProto(body); err != nil {
				return nil, err
			}
			var records []otlpRecord
			for _, rl := range request.Logs().ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						records = append(records, otlpRecord{resource: rl.Resource(), record: lr})
					}
				}
			}
			return records, nil
		},
		func(w http.ResponseWriter) {
			response, _ := plogotlp.NewExportResponse().MarshalProto()
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(response)
		})
}

// TestOTLPHTTPToElastic sends a table through the otlphttp exporter to an OTLP intake, routed to an
// Elastic data stream by a query's resource attribute, and requires every event once with it.
func TestOTLPHTTPToElastic(t *testing.T) {
	const table = "DeviceNetworkEvents"
	world := startFrozenWorld(t, simulator.Options{}, table)
	expected := world.expected()
	intake := startOTLPSink(t)
	query := tableQuery(table, pollInterval, frozenLookback)
	query.ResourceAttributes = map[string]string{"data_stream.dataset": "defender.hunting"}
	collector := startCollector(t, collectorConfig(receiverConfig(world.sim, query), map[string]any{
		// otlp_http is the exporter once called otlphttp (still accepted as a deprecated alias).
		"otlp_http": map[string]any{"endpoint": intake.url},
	}, t.TempDir()))

	awaitDeliveries(collector, len(expected), deliveryTimeout, intake.delivered)
	collector.stop()

	delivered, _ := intake.delivered()
	requireExactlyOnce(t, expected, delivered)
	for _, r := range intake.received() {
		dataset, _ := r.resource.Attributes().Get("data_stream.dataset")
		require.Equal(t, "defender.hunting", dataset.Str(), "data_stream.dataset of ReportId %d", r.reportID())
	}
}
