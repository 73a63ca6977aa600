package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// TestSplunkHECToRealReceiver sends a table through the splunk_hec exporter to contrib's splunk_hec
// receiver, as Splunk would take it in, with the receiver's default record settings: every event
// arrives once as a HEC event holding the row, stamped with its Defender Timestamp (to the
// millisecond, as HEC carries it), with the table's default sourcetype, the device as its host, and
// the semantic attributes and event id as HEC fields.
func TestSplunkHECToRealReceiver(t *testing.T) {
	const table = "DeviceProcessEvents"
	sink := startSinkCollector(t)
	world := startFrozenWorld(t, simulator.Options{}, table)
	expected := world.expected()
	collector := startCollector(t, collectorConfig(receiverConfig(world.sim, tableQuery(table, pollInterval, frozenLookback)), map[string]any{
		"splunk_hec": map[string]any{"token": sinkHECToken, "endpoint": sink.hecURL},
	}, t.TempDir()))

	awaitDeliveries(collector, len(expected), deliveryTimeout, sink.hec.delivered)
	collector.stop()

	delivered, err := sink.hec.delivered()
	require.NoError(t, err)
	requireExactlyOnce(t, expected, delivered)
	records, err := sink.hec.records()
	require.NoError(t, err)
	truth := byReportID(expected)
	uids := map[string]int64{}
	for _, r := range records {
		id := r.reportID()
		want := truth[id]
		require.Equal(t, "defender:hunting:device_process_events", r.resource[attrHECSourceType].str(), "sourcetype of ReportId %d", id)
		require.Equal(t, sinkHECToken, r.resource[attrHECToken].str(), "token of ReportId %d", id)
		// host.name sets the HEC event's host, which the receiver puts back as host.name.
		require.Equal(t, r.columns["DeviceName"].str(), r.resource["host.name"].str(), "host of ReportId %d", id)
		// The resource's other attributes and the record's become HEC fields, which the receiver
		// makes the record's attributes.
		require.Equal(t, table, r.attributes[attrQueryName].str(), "HEC fields of ReportId %d", id)
		require.Equal(t, r.columns["FileName"].str(), r.attributes["process.executable.name"].str(), "HEC fields of ReportId %d", id)
		require.Equal(t, r.columns["ProcessCommandLine"].str(), r.attributes["process.command_line"].str(), "HEC fields of ReportId %d", id)
		pid, _ := integer(r.attributes["process.pid"])
		column, _ := integer(r.columns["ProcessId"])
		require.Equal(t, column, pid, "process.pid of ReportId %d", id)
		uid := r.attributes["log.record.uid"].str()
		require.Regexp(t, `^[0-9a-f]{32}$`, uid, "log.record.uid of ReportId %d", id)
		require.NotContains(t, uids, uid, "ReportIds %d and %d share a uid", uids[uid], id)
		uids[uid] = id

		require.Subset(t, keysOf(r.columns), []string{"ReportId", "Timestamp", "DeviceName", "FileName"}, "HEC event of ReportId %d", id)
		timestamp, err := time.Parse(time.RFC3339Nano, r.columns["Timestamp"].str())
		require.NoError(t, err, "Timestamp column of ReportId %d", id)
		require.True(t, timestamp.Equal(want.Timestamp), "Timestamp column %s of ReportId %d, want %s", timestamp, id, want.Timestamp)
		// The exporter sends seconds with milliseconds, rounded; the receiver multiplies them into
		// nanoseconds as a float, a few nanoseconds off the millisecond.
		ns, err := strconv.ParseInt(r.timeUnixNano, 10, 64)
		require.NoError(t, err, "timeUnixNano of ReportId %d", id)
		require.Equal(t, time.Duration(want.Timestamp.UnixNano()).Round(time.Millisecond), time.Duration(ns).Round(time.Millisecond),
			"time %s of ReportId %d, Timestamp %s", r.timeUnixNano, id, want.Timestamp.Format(time.RFC3339Nano))
	}
}

// TestOTLPHTTPToRealReceiver sends a table through the otlphttp exporter to core's otlp receiver,
// as Elastic's OTLP intake would take it in, and requires every event once, stamped with its
// Defender Timestamp to the nanosecond, named by its table, with its event id and semantic
// attributes, and routed to a data stream by the query's resource attribute.
func TestOTLPHTTPToRealReceiver(t *testing.T) {
	const table = "DeviceNetworkEvents"
	sink := startSinkCollector(t)
	world := startFrozenWorld(t, simulator.Options{}, table)
	expected := world.expected()
	query := tableQuery(table, pollInterval, frozenLookback)
	query.ResourceAttributes = map[string]string{"data_stream.dataset": "defender.network"}
	collector := startCollector(t, collectorConfig(receiverConfig(world.sim, query), map[string]any{
		"otlp_http": map[string]any{"endpoint": sink.otlpURL},
	}, t.TempDir()))

	awaitDeliveries(collector, len(expected), deliveryTimeout, sink.otlp.delivered)
	collector.stop()

	delivered, err := sink.otlp.delivered()
	require.NoError(t, err)
	requireExactlyOnce(t, expected, delivered)
	records, err := sink.otlp.records()
	require.NoError(t, err)
	truth := byReportID(expected)
	seen := map[string]int{}
	for _, r := range records {
		id := r.reportID()
		want := truth[id]
		require.Equal(t, "defender.network", r.resource["data_stream.dataset"].str(), "data_stream.dataset of ReportId %d", id)
		require.Equal(t, "defender:hunting:device_network_events", r.resource[attrHECSourceType].str(), "default sourcetype of ReportId %d", id)
		require.Equal(t, table, r.resource[attrQueryName].str(), "query name of ReportId %d", id)
		require.Equal(t, strconv.FormatInt(want.Timestamp.UnixNano(), 10), r.timeUnixNano,
			"timeUnixNano of ReportId %d, Timestamp %s", id, want.Timestamp.Format(time.RFC3339Nano))
		checkSemantics(t, r, table, seen)
	}
	require.NotZero(t, seen[table+" network.peer.port"])
}

func keysOf(m map[string]otlpJSONValue) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	return names
}
