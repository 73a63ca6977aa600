package poller

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/internal/metadatatest"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark/watermarktest"
)

const (
	tenant        = "tenant-a"
	checkpointKey = "watermark/tenant-a/procs"
)

var (
	// start is the clock at the first poll; each poll moves it on by a minute.
	start  = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	schema = []huntingapi.Column{{Name: "Timestamp", Type: "DateTime"}, {Name: "ProcessId", Type: "Int64"}}
	rows   = []map[string]any{
		{"Timestamp": "2026-11-26T11:30:00.0000001Z", "ProcessId": "42"},
		{"Timestamp": "2026-11-26T11:31:00.1234567Z", "ProcessId": "43"},
	}
)

// response is what the fake API answers to one call.
type response struct {
	rows []map[string]any
	err  error // returned after the rows were handed over
}

// fakeAPI answers calls with the next scripted response (the last one repeats) and records queries.
type fakeAPI struct {
	responses []response
	queries   []string
}

func (f *fakeAPI) Run(_ context.Context, query string, h huntingapi.ResultHandler) (huntingapi.Stats, error) {
	r := f.responses[min(len(f.queries), len(f.responses)-1)]
	f.queries = append(f.queries, query)
	if err := h.Schema(schema); err != nil {
		return huntingapi.Stats{}, err
	}
	for _, row := range r.rows {
		if err := h.Row(row); err != nil {
			return huntingapi.Stats{}, err
		}
	}
	return huntingapi.Stats{}, r.err
}

func window(from, to string) string {
	return "DeviceProcessEvents\n| where Timestamp > datetime(" + from + ") and Timestamp <= datetime(" + to + ")"
}

type harness struct {
	poller    *Poller
	api       *fakeAPI
	storage   *watermarktest.MemoryClient
	telemetry *componenttest.Telemetry
	now       time.Time
}

func newHarness(t *testing.T, stored map[string][]byte, api *fakeAPI, next consumer.Logs, columnsAsAttributes bool) *harness {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tel)
	builder, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	require.NoError(t, err)
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{ReceiverID: set.ID, ReceiverCreateSettings: set})
	require.NoError(t, err)

	h := &harness{api: api, storage: watermarktest.NewMemoryClient(stored), telemetry: tel, now: start}
	h.poller = New(Query{
		Name:               "procs",
		Text:               "DeviceProcessEvents",
		TimestampColumn:    "Timestamp",
		Interval:           time.Minute,
		Policy:             watermark.Policy{Lookback: time.Hour, IngestionDelay: 5 * time.Minute},
		ResourceAttributes: map[string]string{"com.splunk.sourcetype": "defender:process"},
	}, Settings{
		Tenant:              tenant,
		ColumnsAsAttributes: columnsAsAttributes,
		Runner:              api,
		Store:               watermark.NewStore(h.storage, tenant),
		Consumer:            next,
		Logger:              zap.NewNop(),
		Telemetry:           builder,
		ObsReport:           obs,
		Now:                 func() time.Time { return h.now },
	})
	h.poller.loadCheckpoint(context.Background())
	return h
}

// poll runs one poll and moves the clock on by a minute.
func (h *harness) poll() error {
	err := h.poller.poll(context.Background())
	h.now = h.now.Add(time.Minute)
	return err
}

// TestPollCommitsOnlyWhatThePipelineAccepted walks every way a window can end and checks where the
// watermark and the stored checkpoint are left, and which windows were asked for.
func TestPollCommitsOnlyWhatThePipelineAccepted(t *testing.T) {
	refusedForNow := errors.New("queue full")
	tests := []struct {
		name           string
		stored         map[string][]byte
		storageSetErr  error
		responses      []response
		consumerErrs   []error // one per poll that reaches the consumer
		polls          int
		wantErrs       []string // one per poll, "" for none
		wantQueries    []string
		wantCheckpoint string
		wantConsumed   int
	}{
		{
			name:           "accepted: checkpoint at the window end",
			responses:      []response{{rows: rows}},
			polls:          1,
			wantErrs:       []string{""},
			wantQueries:    []string{window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z")},
			wantCheckpoint: `{"watermark":"2026-11-26T11:55:00.0000000Z"}`,
			wantConsumed:   2,
		},
		{
			name:      "next window starts where the last one ended",
			responses: []response{{rows: rows}, {}},
			polls:     2,
			wantErrs:  []string{"", ""},
			wantQueries: []string{
				window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z"),
				window("2026-11-26T11:55:00.0000000Z", "2026-11-26T11:56:00.0000000Z"),
			},
			wantCheckpoint: `{"watermark":"2026-11-26T11:56:00.0000000Z"}`,
			wantConsumed:   2,
		},
		{
			name:           "empty window: nothing consumed, watermark still moves",
			responses:      []response{{}},
			polls:          1,
			wantErrs:       []string{""},
			wantQueries:    []string{window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z")},
			wantCheckpoint: `{"watermark":"2026-11-26T11:55:00.0000000Z"}`,
		},
		{
			name:         "refused for now: checkpoint stays, the same window start is asked again",
			responses:    []response{{rows: rows}},
			consumerErrs: []error{refusedForNow, nil},
			polls:        2,
			wantErrs:     []string{"pipeline refused 2 records: queue full", ""},
			wantQueries: []string{
				window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z"),
				window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:56:00.0000000Z"),
			},
			wantCheckpoint: `{"watermark":"2026-11-26T11:56:00.0000000Z"}`,
			wantConsumed:   2,
		},
		{
			name:           "refused for good: dropped, window committed",
			responses:      []response{{rows: rows}},
			consumerErrs:   []error{consumererror.NewPermanent(errors.New("bad data"))},
			polls:          1,
			wantErrs:       []string{""},
			wantQueries:    []string{window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z")},
			wantCheckpoint: `{"watermark":"2026-11-26T11:55:00.0000000Z"}`,
		},
		{
			name:        "API refuses: nothing consumed, nothing committed",
			responses:   []response{{err: &huntingapi.Error{StatusCode: 429, Code: "TooManyRequests"}}},
			polls:       1,
			wantErrs:    []string{"hunting API answered 429: TooManyRequests"},
			wantQueries: []string{window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z")},
		},
		{
			name:        "response cut off after some rows: none of them consumed",
			responses:   []response{{rows: rows[:1], err: huntingapi.ErrUnreadableResponse}},
			polls:       1,
			wantErrs:    []string{"reading the hunting API response"},
			wantQueries: []string{window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z")},
		},
		{
			name:           "resumes from a stored checkpoint",
			stored:         map[string][]byte{checkpointKey: []byte(`{"watermark":"2026-11-26T11:50:00.1234567Z"}`)},
			responses:      []response{{rows: rows}},
			polls:          1,
			wantErrs:       []string{""},
			wantQueries:    []string{window("2026-11-26T11:50:00.1234567Z", "2026-11-26T11:55:00.0000000Z")},
			wantCheckpoint: `{"watermark":"2026-11-26T11:55:00.0000000Z"}`,
			wantConsumed:   2,
		},
		{
			name:           "corrupt checkpoint: starts from the lookback",
			stored:         map[string][]byte{checkpointKey: []byte(`{"water`)},
			responses:      []response{{}},
			polls:          1,
			wantErrs:       []string{""},
			wantQueries:    []string{window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z")},
			wantCheckpoint: `{"watermark":"2026-11-26T11:55:00.0000000Z"}`,
		},
		{
			name:          "checkpoint cannot be saved: rows delivered, error reported, next window follows in memory",
			storageSetErr: errors.New("disk full"),
			responses:     []response{{rows: rows}, {}},
			polls:         2,
			wantErrs:      []string{"saving the checkpoint of query \"procs\": disk full", "disk full"},
			wantQueries: []string{
				window("2026-11-26T11:00:00.0000000Z", "2026-11-26T11:55:00.0000000Z"),
				window("2026-11-26T11:55:00.0000000Z", "2026-11-26T11:56:00.0000000Z"),
			},
			wantConsumed: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &scriptedConsumer{errs: tt.consumerErrs}
			h := newHarness(t, tt.stored, &fakeAPI{responses: tt.responses}, sink, true)
			h.storage.SetErr = tt.storageSetErr
			for i := range tt.polls {
				err := h.poll()
				if tt.wantErrs[i] == "" {
					assert.NoError(t, err, "poll %d", i)
				} else {
					assert.ErrorContains(t, err, tt.wantErrs[i], "poll %d", i)
				}
			}
			assert.Equal(t, tt.wantQueries, h.api.queries)
			assert.Equal(t, tt.wantCheckpoint, h.storage.Value(checkpointKey))
			assert.Equal(t, tt.wantConsumed, sink.accepted)
		})
	}
}

// scriptedConsumer refuses or accepts calls in order (accepting once the script runs out) and counts
// the records it accepted.
type scriptedConsumer struct {
	consumertest.Consumer
	errs     []error
	calls    int
	accepted int
}

func (s *scriptedConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *scriptedConsumer) ConsumeLogs(_ context.Context, logs plog.Logs) error {
	var err error
	if s.calls < len(s.errs) {
		err = s.errs[s.calls]
	}
	s.calls++
	if err == nil {
		s.accepted += logs.LogRecordCount()
	}
	return err
}

func TestRecordsCarryTheRow(t *testing.T) {
	tests := []struct {
		name                string
		columnsAsAttributes bool
		wantAttributes      map[string]any
	}{
		{
			name:                "columns in body and attributes",
			columnsAsAttributes: true,
			wantAttributes:      map[string]any{"Timestamp": "2026-11-26T11:30:00.0000001Z", "ProcessId": int64(42)},
		},
		{
			name:           "columns in body only",
			wantAttributes: map[string]any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			h := newHarness(t, nil, &fakeAPI{responses: []response{{rows: rows[:1]}}}, sink, tt.columnsAsAttributes)
			require.NoError(t, h.poll())
			require.Equal(t, 1, sink.LogRecordCount())

			resourceLogs := sink.AllLogs()[0].ResourceLogs().At(0)
			assert.Equal(t, map[string]any{
				"defender.tenant.id":          tenant,
				"defender.hunting.query.name": "procs",
				"com.splunk.sourcetype":       "defender:process",
			}, resourceLogs.Resource().Attributes().AsRaw())
			scope := resourceLogs.ScopeLogs().At(0)
			assert.Equal(t, metadata.ScopeName, scope.Scope().Name())
			record := scope.LogRecords().At(0)
			assert.Equal(t, map[string]any{"Timestamp": "2026-11-26T11:30:00.0000001Z", "ProcessId": int64(42)}, record.Body().Map().AsRaw())
			assert.Equal(t, tt.wantAttributes, record.Attributes().AsRaw())
			assert.Equal(t, time.Date(2026, 11, 26, 11, 30, 0, 100, time.UTC), record.Timestamp().AsTime())
			assert.Equal(t, start, record.ObservedTimestamp().AsTime())
		})
	}
}

func TestPollMetrics(t *testing.T) {
	badRows := []map[string]any{
		{"Timestamp": "not a time", "ProcessId": "x"},
		{"Timestamp": "2026-11-26T11:31:00.1234567Z", "ProcessId": "43"},
	}
	h := newHarness(t, nil, &fakeAPI{responses: []response{{rows: badRows}, {err: &huntingapi.Error{StatusCode: 400}}}}, new(consumertest.LogsSink), true)
	require.NoError(t, h.poll())
	require.Error(t, h.poll())

	query := attribute.NewSet(attribute.String("query", "procs"))
	ignoreTime := []metricdatatest.Option{metricdatatest.IgnoreTimestamp()}
	metadatatest.AssertEqualDefenderHuntingAPICalls(t, h.telemetry, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("query", "procs"), attribute.String("outcome", "ok")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("query", "procs"), attribute.String("outcome", "bad_request")), Value: 1},
	}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingRowsReceived(t, h.telemetry, []metricdata.DataPoint[int64]{{Attributes: query, Value: 2}}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingRecordsEmitted(t, h.telemetry, []metricdata.DataPoint[int64]{{Attributes: query, Value: 2}}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingValuesMismatched(t, h.telemetry, []metricdata.DataPoint[int64]{{Attributes: query, Value: 2}}, ignoreTime...)
	metadatatest.AssertEqualDefenderHuntingRowsWithoutTimestamp(t, h.telemetry, []metricdata.DataPoint[int64]{{Attributes: query, Value: 1}}, ignoreTime...)
	// Committed at 11:55 by the first poll, measured at 12:00.
	metadatatest.AssertEqualDefenderHuntingWatermarkLag(t, h.telemetry, []metricdata.DataPoint[float64]{{Attributes: query, Value: 300}}, ignoreTime...)
}
