package e2e

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sinkHECToken is the token the collector under test sends to the sink's HEC endpoint. The sink's
// splunk_hec receiver accepts any token; it passes this one on to the records' resource (as
// attrHECToken), where a test can see that it arrived.
const sinkHECToken = "00000000-e2e0-4000-8000-0000000sink0"

// What contrib's splunkhecreceiver v0.144.0 puts on the resource of the records it makes from a HEC
// event: the event's sourcetype and index by its default hec_metadata_to_otel_attrs, and the
// request's token with access_token_passthrough. The event's fields become the record's attributes.
const (
	attrHECSourceType = "com.splunk.sourcetype"
	attrHECIndex      = "com.splunk.index"
	attrHECToken      = "com.splunk.hec.access_token"
)

// sinkReadyTimeout bounds the sink collector's start, which takes well under a second.
const sinkReadyTimeout = 30 * time.Second

// sinkCollector is a running sink collector: a collector built from e2e/sink/builder-config.yaml
// whose real splunk_hec and otlp receivers stand in for Splunk's HEC endpoint and Elastic's OTLP
// intake, each writing what it received to a file of its own.
type sinkCollector struct {
	*collectorProcess
	hecURL  string        // the HEC event endpoint, for the splunk_hec exporter
	otlpURL string        // the OTLP/HTTP base URL, for the otlp_http exporter
	hec     *exportedFile // what the splunk_hec receiver made of the HEC events
	otlp    *exportedFile
}

// sinkCollectorBinary is the sink collector distribution.
func sinkCollectorBinary(t *testing.T) string {
	t.Helper()
	return binaryFrom(t, "SINK_OTELCOL_BIN", "the sink collector")
}

// startSinkCollector runs a sink collector on free loopback ports and returns once both receivers
// accept connections: the collector starts its receivers last, so the pipelines behind them are
// ready by then. It is killed when the test ends, after the collector under test (cleanups run last
// in, first out): the test has read what it received by then.
func startSinkCollector(t *testing.T) *sinkCollector {
	t.Helper()
	bin := sinkCollectorBinary(t)
	hecAddr, otlpAddr := freeLoopbackAddr(t), freeLoopbackAddr(t)
	sink := &sinkCollector{
		hecURL:  "http://" + hecAddr + "/services/collector",
		otlpURL: "http://" + otlpAddr,
		hec:     newExportedFile(t),
		otlp:    newExportedFile(t),
	}
	c := startProcess(t, bin, "sink collector", sinkConfig(hecAddr, otlpAddr, sink.hec.path, sink.otlp.path))
	sink.collectorProcess = c

	c.waitForEvery(50*time.Millisecond, sinkReadyTimeout, "the sink collector's receivers to listen", func() (bool, string) {
		for _, addr := range []string{hecAddr, otlpAddr} {
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				return false, err.Error()
			}
			_ = conn.Close()
		}
		return true, ""
	})
	return sink
}

// sinkConfig is the sink collector's configuration: the splunk_hec receiver on hecAddr and the otlp
// receiver (http only) on otlpAddr, each in a pipeline of its own to a file exporter.
func sinkConfig(hecAddr, otlpAddr, hecPath, otlpPath string) map[string]any {
	return map[string]any{
		"receivers": map[string]any{
			"splunk_hec": map[string]any{"endpoint": hecAddr, "access_token_passthrough": true},
			"otlp":       map[string]any{"protocols": map[string]any{"http": map[string]any{"endpoint": otlpAddr}}},
		},
		// Each request written before the exporter returns, so that a test sees the records at once.
		"exporters": map[string]any{
			"file/hec":  fileExporter(hecPath),
			"file/otlp": fileExporter(otlpPath),
		},
		"service": map[string]any{
			"pipelines": map[string]any{
				"logs/hec":  map[string]any{"receivers": []string{"splunk_hec"}, "exporters": []string{"file/hec"}},
				"logs/otlp": map[string]any{"receivers": []string{"otlp"}, "exporters": []string{"file/otlp"}},
			},
			// No internal metrics: their default Prometheus port is fixed, and the collector under
			// test runs beside this one (see collectorConfig).
			"telemetry": map[string]any{"metrics": map[string]any{"level": "none"}},
		},
	}
}

// freeLoopbackAddr returns an address on 127.0.0.1 with a port that was free a moment ago. Another
// process could take it before the sink collector binds it; the sink would then exit, which its
// start reports.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
