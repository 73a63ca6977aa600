package poller

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadatatest"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

func TestPollMetrics(t *testing.T) {
	badRows := []map[string]any{
		{"Timestamp": "2026-11-26T11:31:00.1234567Z", "ProcessId": "x"},
		{"Timestamp": "2026-11-26T11:32:00.1234567Z", "ProcessId": "43"},
	}
	api := &fakeAPI{rows: badRows, script: map[int]call{
		0: {err: &huntingapi.Error{StatusCode: 429, RetryAfter: time.Millisecond}},
		1: {err: &huntingapi.Error{StatusCode: 504}},
	}}
	h := newHarness(t, options{}, api, new(consumertest.LogsSink))
	require.NoError(t, h.poll())

	query := attribute.NewSet(attribute.String("query", "procs"))
	withQuery := func(key, value string) attribute.Set {
		return attribute.NewSet(attribute.String("query", "procs"), attribute.String(key, value))
	}
	ignoreTime := []metricdatatest.Option{metricdatatest.IgnoreTimestamp()}
	metadatatest.AssertEqualDefenderHuntingAPICalls(t, h.telemetry, []metricdata.DataPoint[int64]{
		{Attributes: withQuery("outcome", "throttled"), Value: 1},
		{Attributes: withQuery("outcome", "timeout"), Value: 1},
		{Attributes: withQuery("outcome", "ok"), Value: 2},
	}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingRetries(t, h.telemetry, []metricdata.DataPoint[int64]{
		{Attributes: withQuery("reason", "throttled"), Value: 1},
	}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingPageNarrowings(t, h.telemetry, []metricdata.DataPoint[int64]{
		{Attributes: withQuery("reason", "timeout"), Value: 1},
	}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingRowsReceived(t, h.telemetry, []metricdata.DataPoint[int64]{{Attributes: query, Value: 2}}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingRecordsEmitted(t, h.telemetry, []metricdata.DataPoint[int64]{{Attributes: query, Value: 2}}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingValuesMismatched(t, h.telemetry, []metricdata.DataPoint[int64]{{Attributes: query, Value: 1}}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingRowsWithoutTimestamp(t, h.telemetry, []metricdata.DataPoint[int64]{{Attributes: query, Value: 0}}, ignoreTime...)
	// The window ends at 11:55; the clock reads 12:00.
	metadatatest.AssertEqualDefenderHuntingWatermarkLag(t, h.telemetry, []metricdata.DataPoint[float64]{{Attributes: query, Value: 300}}, ignoreTime...)
}
