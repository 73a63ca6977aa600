package poller

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/internal/metadatatest"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/callbudget"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark/watermarktest"
)

const (
	tenant        = "tenant-a"
	checkpointKey = "watermark/tenant-a/procs"
)

var (
	// start is the clock at the first poll, whose window is (11:00, 11:55]; each poll moves the clock
	// on by a minute.
	start  = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	schema = []huntingapi.Column{{Name: "Timestamp", Type: "DateTime"}, {Name: "ProcessId", Type: "Int64"}}
	// rows of the first window, sorted; the second and third share a timestamp.
	rows = []map[string]any{
		{"Timestamp": "2026-11-26T11:30:00.0000001Z", "ProcessId": "1"},
		{"Timestamp": "2026-11-26T11:31:00.1234567Z", "ProcessId": "2"},
		{"Timestamp": "2026-11-26T11:31:00.1234567Z", "ProcessId": "3"},
		{"Timestamp": "2026-11-26T11:40:00.0000000Z", "ProcessId": "4"},
	}
)

func pageQuery(from, to string, limit int) string {
	return "DeviceProcessEvents\n| where Timestamp > datetime(" + from + ") and Timestamp <= datetime(" + to + ")" +
		"\n| sort by Timestamp asc\n| take " + strconv.Itoa(limit)
}

// options vary the harness from its defaults.
type options struct {
	stored        map[string][]byte
	storageSetErr error
	maxRows       int
	batchSize     int
	batchBytes    int
	ingestionTime bool
	columnsIn     string // "body", "json" or "both"; the attributes only when empty
}

type harness struct {
	t         *testing.T // whose context the polls run with
	poller    *Poller
	api       *fakeAPI
	storage   *watermarktest.MemoryClient
	telemetry *componenttest.Telemetry
	now       time.Time
}

func newHarness(t *testing.T, o options, api *fakeAPI, next consumer.Logs) *harness {
	t.Helper()
	tel, builder, obs := newTestTelemetry(t)
	if api.schema == nil {
		api.schema = schema
	}

	h := &harness{t: t, api: api, storage: watermarktest.NewMemoryClient(o.stored), telemetry: tel, now: start}
	h.storage.SetErr = o.storageSetErr
	h.poller = New(Query{
		Name:               "procs",
		Text:               "DeviceProcessEvents",
		Interval:           time.Minute,
		Policy:             watermark.Policy{Lookback: time.Hour, IngestionDelay: 5 * time.Minute},
		Selection:          watermark.Selection{TimestampColumn: "Timestamp", IngestionTime: o.ingestionTime},
		ResourceAttributes: map[string]string{"com.splunk.sourcetype": "defender:process"},
		Table:              "DeviceProcessEvents",
	}, Settings{
		Tenant:              tenant,
		ColumnsInAttributes: o.columnsIn == "" || o.columnsIn == "both",
		ColumnsInBody:       o.columnsIn != "",
		ColumnsAsJSON:       o.columnsIn == "json",
		SemanticAttributes:  true,
		MaxRows:             cmpOr(o.maxRows, 1000),
		BatchSize:           cmpOr(o.batchSize, 1),
		BatchBytes:          cmpOr(o.batchBytes, 1<<30),
		Retry: configretry.BackOffConfig{
			Enabled: true, InitialInterval: time.Millisecond, Multiplier: 1, MaxInterval: time.Millisecond, MaxElapsedTime: 50 * time.Millisecond,
		},
		Budget:    callbudget.New(1000, time.Minute),
		Runner:    api,
		Store:     watermark.NewStore(h.storage, tenant),
		Consumer:  next,
		Logger:    zap.NewNop(),
		Telemetry: builder,
		ObsReport: obs,
		Now:       func() time.Time { return h.now },
	})
	h.poller.loadCheckpoint(t.Context())
	return h
}

// newTestTelemetry is the telemetry a poller under test reports to, shut down with the test.
func newTestTelemetry(t *testing.T) (*componenttest.Telemetry, *metadata.TelemetryBuilder, *receiverhelper.ObsReport) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tel)
	builder, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	require.NoError(t, err)
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{ReceiverID: set.ID, ReceiverCreateSettings: set})
	require.NoError(t, err)
	return tel, builder, obs
}

func cmpOr(v, fallback int) int {
	if v == 0 {
		return fallback
	}
	return v
}

// poll runs one poll and moves the clock on by a minute.
func (h *harness) poll() error {
	err := h.poller.poll(h.t.Context())
	h.now = h.now.Add(time.Minute)
	return err
}

// scriptedConsumer answers its calls with errs in order, then always with then; it counts the
// records of each ProcessId it accepted.
type scriptedConsumer struct {
	errs     []error
	then     error
	calls    int
	accepted map[string]int
}

func (s *scriptedConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *scriptedConsumer) ConsumeLogs(_ context.Context, logs plog.Logs) error {
	err := s.then
	if s.calls < len(s.errs) {
		err = s.errs[s.calls]
	}
	s.calls++
	if err != nil {
		return err
	}
	if s.accepted == nil {
		s.accepted = map[string]int{}
	}
	records := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for _, record := range records.All() {
		pid, _ := record.Attributes().Get("ProcessId")
		s.accepted[pid.AsString()]++
	}
	return nil
}

var everyRowOnce = map[string]int{"1": 1, "2": 1, "3": 1, "4": 1}

// TestPollDeliversEveryRowOnce walks every way a page can end and checks which pages were asked for,
// what the pipeline accepted, and where the stored checkpoint is left.
func TestPollDeliversEveryRowOnce(t *testing.T) {
	const (
		windowStart = "2026-11-26T11:00:00.0000000Z"
		windowEnd   = "2026-11-26T11:55:00.0000000Z"
		first       = "2026-11-26T11:30:00.0000001Z"
		shared      = "2026-11-26T11:31:00.1234567Z"
		beforeShare = "2026-11-26T11:31:00.1234566Z"
		fourth      = "2026-11-26T11:40:00.0000000Z"
		beforeForth = "2026-11-26T11:39:59.9999999Z"
	)
	refusedForNow := errors.New("queue full")
	tests := []struct {
		name           string
		options        options
		script         map[int]call
		consumer       *scriptedConsumer
		polls          int
		wantErr        string // of the last poll
		wantQueries    []string
		wantAccepted   map[string]int
		wantCheckpoint string // watermark stored; "" when none
	}{
		{
			name:           "accepted in batches that end where the timestamp changes",
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "a page at the row cap resumes just before its last timestamp",
			options:        options{maxRows: 3},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 3), pageQuery(beforeShare, windowEnd, 3), pageQuery(beforeForth, windowEnd, 3)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "a page whose rows all share one timestamp at the cap moves past it",
			options:        options{maxRows: 2},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 2), pageQuery(beforeShare, windowEnd, 2), pageQuery(shared, windowEnd, 2)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "refused for now after a batch was accepted: the retry starts after that batch",
			consumer:       &scriptedConsumer{errs: []error{nil, refusedForNow}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000), pageQuery(first, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "refused for now until the retries run out: the watermark stays at the last accepted batch",
			consumer:       &scriptedConsumer{errs: []error{nil}, then: refusedForNow},
			wantErr:        "queue full",
			wantAccepted:   map[string]int{"1": 1},
			wantCheckpoint: first,
		},
		{
			name:           "a refusal that wraps context.Canceled is a refusal, not a shutdown: retried",
			consumer:       &scriptedConsumer{errs: []error{nil, fmt.Errorf("exporter: %w", context.Canceled)}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000), pageQuery(first, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "refused for good: dropped and committed past",
			consumer:       &scriptedConsumer{then: consumererror.NewPermanent(errors.New("bad data"))},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000)},
			wantCheckpoint: windowEnd,
		},
		{
			name:        "a query the service refuses is not retried",
			script:      map[int]call{0: {err: &huntingapi.Error{StatusCode: 400, Code: "BadRequest", Message: "Failed to resolve"}}},
			wantErr:     "hunting API answered 400",
			wantQueries: []string{pageQuery(windowStart, windowEnd, 1000)},
		},
		{
			name:           "a server error is retried",
			script:         map[int]call{0: {err: &huntingapi.Error{StatusCode: 500, Code: "UnknownError"}}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000), pageQuery(windowStart, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "CPU preemption, a 400, is retried",
			script:         map[int]call{0: {err: &huntingapi.Error{StatusCode: 400, Message: "Query execution was preempted"}}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000), pageQuery(windowStart, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "a response cut off after a batch: the retry starts after that batch",
			script:         map[int]call{0: {err: huntingapi.ErrUnreadableResponse, rowsBeforeErr: 3}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000), pageQuery(first, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "throttled with Retry-After: retried once the pause is over",
			script:         map[int]call{0: {err: &huntingapi.Error{StatusCode: 429, Code: "TooManyRequests", RetryAfter: time.Millisecond}}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000), pageQuery(windowStart, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:   "a timeout halves the next page's time span",
			script: map[int]call{0: {err: &huntingapi.Error{StatusCode: 504}}},
			wantQueries: []string{
				pageQuery(windowStart, windowEnd, 1000),
				pageQuery(windowStart, "2026-11-26T11:27:30.0000000Z", 1000),
				pageQuery("2026-11-26T11:27:30.0000000Z", windowEnd, 1000),
			},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "a result too large halves the next page's rows",
			script:         map[int]call{0: {err: &huntingapi.Error{StatusCode: 400, Message: "Query execution has exceeded the allowed result size."}}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000), pageQuery(windowStart, windowEnd, 500)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "resumes from a stored checkpoint",
			options:        options{stored: map[string][]byte{checkpointKey: []byte(`{"watermark":"` + first + `"}`)}},
			wantQueries:    []string{pageQuery(first, windowEnd, 1000)},
			wantAccepted:   map[string]int{"2": 1, "3": 1, "4": 1},
			wantCheckpoint: windowEnd,
		},
		{
			name:           "a corrupt checkpoint falls back to the lookback",
			options:        options{stored: map[string][]byte{checkpointKey: []byte(`{"water`)}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "a checkpoint later than now is not trusted: the lookback instead",
			options:        options{stored: map[string][]byte{checkpointKey: []byte(`{"watermark":"9999-12-31T23:59:59.9999999Z"}`)}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:           "a checkpoint of windows on another column starts from the lookback",
			options:        options{stored: map[string][]byte{checkpointKey: []byte(`{"watermark":"` + first + `","windowed_on":"ProcessCreationTime"}`)}},
			wantQueries:    []string{pageQuery(windowStart, windowEnd, 1000)},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: windowEnd,
		},
		{
			name:         "a checkpoint that cannot be saved: nothing is delivered past the batch it could not save",
			options:      options{storageSetErr: errors.New("disk full")},
			wantErr:      `saving the checkpoint of query "procs": disk full`,
			wantQueries:  []string{pageQuery(windowStart, windowEnd, 1000)},
			wantAccepted: map[string]int{"1": 1},
		},
		{
			name:  "the next poll starts where the last one ended",
			polls: 2,
			wantQueries: []string{
				pageQuery(windowStart, windowEnd, 1000),
				pageQuery(windowEnd, "2026-11-26T11:56:00.0000000Z", 1000),
			},
			wantAccepted:   everyRowOnce,
			wantCheckpoint: "2026-11-26T11:56:00.0000000Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := tt.consumer
			if sink == nil {
				sink = &scriptedConsumer{}
			}
			h := newHarness(t, tt.options, &fakeAPI{rows: rows, script: tt.script}, sink)
			var err error
			for range max(tt.polls, 1) {
				err = h.poll()
			}
			if tt.wantErr == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tt.wantErr)
			}
			if tt.wantQueries != nil {
				assert.Equal(t, tt.wantQueries, h.api.sent())
			}
			assert.Equal(t, tt.wantAccepted, sink.accepted)
			wantStored := ""
			if tt.wantCheckpoint != "" {
				wantStored = `{"watermark":"` + tt.wantCheckpoint + `","windowed_on":"Timestamp"}`
			}
			assert.Equal(t, wantStored, h.storage.Value(checkpointKey))
		})
	}
}

func TestIngestionTimeWindows(t *testing.T) {
	late := []map[string]any{
		// Ingested in order, with event times out of order: the late one happened first.
		{"Timestamp": "2026-11-26T11:40:00.0000000Z", "IngestionTime": "2026-11-26T11:40:01.0000000Z", "ProcessId": "1"},
		{"Timestamp": "2026-11-26T11:10:00.0000000Z", "IngestionTime": "2026-11-26T11:41:00.0000000Z", "ProcessId": "2"},
	}
	sink := new(consumertest.LogsSink)
	h := newHarness(t, options{ingestionTime: true}, &fakeAPI{rows: late}, sink)
	require.NoError(t, h.poll())

	assert.Equal(t, []string{
		"DeviceProcessEvents\n| extend IngestionTime = ingestion_time()\n" +
			"| where IngestionTime > datetime(2026-11-26T11:00:00.0000000Z) and IngestionTime <= datetime(2026-11-26T11:55:00.0000000Z)\n" +
			"| sort by IngestionTime asc\n| take 1000",
	}, h.api.sent(), "pages follow ingestion time")
	require.Equal(t, 2, sink.LogRecordCount())
	second := sink.AllLogs()[1].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0) // batches of one
	assert.Equal(t, time.Date(2026, 11, 26, 11, 10, 0, 0, time.UTC), second.Timestamp().AsTime(), "records keep their event time")
	assert.Equal(t, `{"watermark":"2026-11-26T11:55:00.0000000Z","windowed_on":"ingestion_time()"}`, h.storage.Value(checkpointKey))
}

// TestRecordsCarryTheRow checks each place records can carry the row's columns, beside the table's
// name, the event id and the semantic attributes.
func TestRecordsCarryTheRow(t *testing.T) {
	row := map[string]any{"Timestamp": "2026-11-26T11:30:00.0000001Z", "ProcessId": int64(1)}
	semantic := map[string]any{"process.pid": int64(1)}
	both := map[string]any{"Timestamp": "2026-11-26T11:30:00.0000001Z", "ProcessId": int64(1), "process.pid": int64(1)}
	tests := []struct {
		name                     string
		columnsIn                string
		wantAttributes, wantBody map[string]any // a nil wantBody: the body is empty; attributes without the uid
		wantText                 string         // a body that is the row's JSON text
	}{
		{name: "columns in the attributes", wantAttributes: both},
		{name: "columns in the body", columnsIn: "body", wantAttributes: semantic, wantBody: row},
		{name: "columns in both", columnsIn: "both", wantAttributes: both, wantBody: row},
		{
			name: "the row's JSON text in the body", columnsIn: "json", wantAttributes: semantic,
			wantText: `{"ProcessId":"1","Timestamp":"2026-11-26T11:30:00.0000001Z"}`, // as the service wrote it
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			h := newHarness(t, options{columnsIn: tt.columnsIn}, &fakeAPI{rows: rows[:1]}, sink)
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
			assert.Equal(t, "DeviceProcessEvents", record.EventName())
			attributes := record.Attributes().AsRaw()
			assert.Regexp(t, `^[0-9a-f]{32}$`, attributes["log.record.uid"])
			delete(attributes, "log.record.uid")
			assert.Equal(t, tt.wantAttributes, attributes)
			switch {
			case tt.wantText != "":
				assert.Equal(t, tt.wantText, record.Body().Str())
			case tt.wantBody == nil:
				assert.Equal(t, pcommon.ValueTypeEmpty, record.Body().Type())
			default:
				assert.Equal(t, tt.wantBody, record.Body().Map().AsRaw())
			}
			assert.Equal(t, time.Date(2026, 11, 26, 11, 30, 0, 100, time.UTC), record.Timestamp().AsTime())
			assert.Equal(t, start, record.ObservedTimestamp().AsTime())
		})
	}
}

// TestDeliveryWaitsForTheCheckpoint: once a save fails, no row is delivered until the watermark is
// saved; the next poll saves it first and goes on from there, every row once.
func TestDeliveryWaitsForTheCheckpoint(t *testing.T) {
	consumer := &scriptedConsumer{}
	h := newHarness(t, options{storageSetErr: errors.New("disk full")}, &fakeAPI{rows: rows}, consumer)
	err := h.poll()
	require.ErrorIs(t, err, errCheckpoint)
	assert.Equal(t, failureCheckpoint, classify(err))
	assert.Equal(t, map[string]int{"1": 1}, consumer.accepted, "delivery stopped at the batch it could not save")
	assert.Len(t, h.api.sent(), 1, "no page was asked for while the watermark was unsaved")

	h.storage.SetErr = nil
	require.NoError(t, h.poll())
	assert.Equal(t, everyRowOnce, consumer.accepted)
	first := "2026-11-26T11:30:00.0000001Z"
	assert.Equal(t, pageQuery(first, "2026-11-26T11:56:00.0000000Z", 1000), h.api.sent()[1],
		"the next poll saved the watermark first, then went on from it")
}

// TestAnUnreadableCheckpointIsReadAgain: a storage that cannot be read at start is read again, and
// the query goes on from what it holds, rather than from the lookback (whose first commit would
// overwrite it).
func TestAnUnreadableCheckpointIsReadAgain(t *testing.T) {
	stored := "2026-11-26T11:30:00.0000001Z"
	consumer := &scriptedConsumer{}
	h := newHarness(t, options{stored: map[string][]byte{checkpointKey: []byte(`{"watermark":"` + stored + `"}`)}}, &fakeAPI{rows: rows}, consumer)
	h.storage.GetErr = errors.New("disk not mounted yet")
	var statuses []error
	h.poller.settings.ReportStatus = func(_ string, err error) { statuses = append(statuses, err) }
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.poller.Run(ctx)
	}()
	time.Sleep(100 * time.Millisecond) // several reads, with the harness's millisecond backoff
	assert.Empty(t, h.api.sent(), "no query before the checkpoint is read")
	h.storage.FailGets(nil)
	require.Eventually(t, func() bool { return len(h.api.sent()) > 0 }, 5*time.Second, time.Millisecond)
	cancel()
	<-done
	assert.Equal(t, pageQuery(stored, "2026-11-26T11:55:00.0000000Z", 1000), h.api.sent()[0], "resumed from the stored watermark")
	require.NotEmpty(t, statuses)
	assert.ErrorContains(t, statuses[0], "disk not mounted yet")
}

// TestBatchesAreCutByBytes: with room for many records, a batch still ends (where the key changes)
// once its rows' JSON reaches BatchBytes, so memory follows bytes as well as records.
func TestBatchesAreCutByBytes(t *testing.T) {
	big := strings.Repeat("x", 1000)
	var served []map[string]any
	for i := range 6 {
		served = append(served, map[string]any{"Timestamp": fmt.Sprintf("2026-11-26T11:%02d:00.0000000Z", 10+i), "ProcessId": strconv.Itoa(i), "Padding": big})
	}
	sink := new(consumertest.LogsSink)
	h := newHarness(t, options{batchSize: 1000, batchBytes: 2500}, &fakeAPI{rows: served}, sink)
	require.NoError(t, h.poll())
	var sizes []int
	for _, logs := range sink.AllLogs() {
		sizes = append(sizes, logs.LogRecordCount())
	}
	assert.Equal(t, []int{3, 3}, sizes, "each batch ends at the first key change past 2,500 bytes")
}

// behindAPI is fakeAPI answering with a Date behind the local clock, as a service would whose clock
// is behind the collector's.
type behindAPI struct {
	*fakeAPI
	behind time.Duration
	now    func() time.Time
}

func (b behindAPI) Run(ctx context.Context, req huntingapi.Request, h huntingapi.ResultHandler) (huntingapi.Stats, error) {
	stats, err := b.fakeAPI.Run(ctx, req, h)
	stats.ReceivedAt = b.now()
	stats.ServiceTime = stats.ReceivedAt.Add(-b.behind).Truncate(time.Second)
	return stats, err
}

// TestWindowsEndByTheServiceClock: with the local clock 10 minutes ahead of the service's, a window
// is committed only up to the service's now less ingestion_delay, not to the local one's: rows the
// service has not ingested yet are asked for by a later window, not skipped.
func TestWindowsEndByTheServiceClock(t *testing.T) {
	consumer := &scriptedConsumer{}
	api := &fakeAPI{rows: rows}
	h := newHarness(t, options{}, api, consumer)
	h.poller.settings.Runner = behindAPI{fakeAPI: api, behind: 10 * time.Minute, now: func() time.Time { return h.now }}
	core, logs := observer.New(zap.WarnLevel)
	h.poller.logger = zap.New(core)

	require.NoError(t, h.poll())
	// Service now 11:50 (the Date, plus at most a second), less the 5 minutes of ingestion_delay.
	assert.Equal(t, `{"watermark":"2026-11-26T11:45:01.0000000Z","windowed_on":"Timestamp"}`, h.storage.Value(checkpointKey))
	assert.Equal(t, everyRowOnce, consumer.accepted)
	require.Len(t, logs.FilterMessageSnippet("ahead of the service").All(), 1)

	require.NoError(t, h.poll()) // a minute later
	assert.Equal(t, pageQuery("2026-11-26T11:45:01.0000000Z", "2026-11-26T11:46:01.0000000Z", 1000), h.api.sent()[len(h.api.sent())-1],
		"the next window starts where the last one ended and ends by the service's clock")
	assert.Len(t, logs.FilterMessageSnippet("ahead of the service").All(), 1, "warned once")
}
