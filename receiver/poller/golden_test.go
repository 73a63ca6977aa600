package poller

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/callbudget"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/rowconv"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/tables"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark/watermarktest"
)

// updateGolden rewrites the golden files from what the poller delivers:
//
//	go test ./receiver/poller -run Golden -update-golden
//
// As contrib's golden.WriteLogs does, a run that writes fails on purpose: look at the new files
// (git diff testdata/golden), then run again without the flag.
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/*.yaml from what the poller delivers")

// goldenDir is the repository's top-level testdata/golden, seen from this package.
const goldenDir = "../../testdata/golden"

// goldenTenant is the tenant the golden records name.
const goldenTenant = "00000000-0000-0000-0000-000000000000"

// goldenInput is one of Microsoft's documented example responses (see testdata/golden/README.md),
// with the request that produced it in the docs.
type goldenInput struct {
	name string // file prefix: <name>.response.json is served, <name>.<shape>.yaml is the golden
	api  huntingapi.API
	path string
	// query is the documented request's query, used as the configured query.
	query string
	// table is the table that query reads, what the receiver would set (tables.FromQuery(query)).
	table string
	// now is the poll's clock, shortly after the documented rows, so that they fall in the first
	// window (now - lookback, now - ingestion_delay] with the receiver's defaults (1h, 5m).
	now time.Time
	// wantQuery is the query the poller sends: the configured one with the window's stages.
	wantQuery string
	// wantTimespan is the Graph API's Timespan hint, empty for the legacy API.
	wantTimespan string
}

// documentedQuery is the query of both documented examples (the legacy API's and Graph's).
const documentedQuery = `DeviceProcessEvents | where InitiatingProcessFileName =~ "powershell.exe" | project Timestamp, FileName, InitiatingProcessFileName | order by Timestamp desc | limit 2`

var goldenInputs = []goldenInput{
	{
		name:  "legacy_example",
		api:   huntingapi.AdvancedHunting,
		path:  huntingapi.AdvancedHuntingPath,
		query: documentedQuery,
		table: "DeviceProcessEvents",
		now:   time.Date(2020, 8, 30, 7, 0, 0, 0, time.UTC),
		wantQuery: documentedQuery + "\n| where Timestamp > datetime(2020-08-30T06:00:00.0000000Z) and Timestamp <= datetime(2020-08-30T06:55:00.0000000Z)" +
			"\n| sort by Timestamp asc\n| take 100000",
	},
	{
		name:  "graph_example",
		api:   huntingapi.Graph,
		path:  huntingapi.GraphPath,
		query: documentedQuery,
		table: "DeviceProcessEvents",
		now:   time.Date(2024, 3, 26, 10, 0, 0, 0, time.UTC),
		wantQuery: documentedQuery + "\n| where Timestamp > datetime(2024-03-26T09:00:00.0000000Z) and Timestamp <= datetime(2024-03-26T09:55:00.0000000Z)" +
			"\n| sort by Timestamp asc\n| take 100000",
		wantTimespan: "2024-03-26T08:59:00Z/2024-03-26T09:56:00Z",
	},
}

// goldenShapes are the places a record can carry the row's columns (columns_in).
var goldenShapes = []struct {
	name                 string
	inAttributes, inBody bool
}{
	{name: "body", inBody: true}, // the receiver's default
	{name: "attributes", inAttributes: true},
	{name: "both", inAttributes: true, inBody: true},
}

// TestGolden serves each documented response from an HTTP server at its API's path, runs one poll
// through the real API client (its decoder) and the poller's page delivery, and compares what the
// pipeline received with testdata/golden/<input>.<shape>.yaml. The documented query sorts its rows
// newest first; the receiver appends `sort by Timestamp asc`, so the service answers the
// receiver with the same rows oldest first, and that is what is served.
func TestGolden(t *testing.T) {
	for _, in := range goldenInputs {
		require.Equal(t, in.table, tables.FromQuery(in.query), "the table the receiver derives from the query")
		documented, err := os.ReadFile(filepath.Join(goldenDir, in.name+".response.json"))
		require.NoError(t, err)
		body := oldestFirst(t, documented)
		for _, shape := range goldenShapes {
			t.Run(in.name+"/"+shape.name, func(t *testing.T) {
				server := &documentedAPI{t: t, path: in.path, body: body}
				httpServer := httptest.NewServer(server)
				defer httpServer.Close()

				sink := new(consumertest.LogsSink)
				p, storage := newGoldenPoller(t, in, shape.inAttributes, shape.inBody,
					huntingapi.NewClient(httpServer.Client(), httpServer.URL, in.api), sink)
				p.loadCheckpoint(t.Context())
				require.NoError(t, p.poll(t.Context()))

				requests := server.received()
				require.Len(t, requests, 1, "one page covers the window")
				assert.Equal(t, in.wantQuery, requests[0].Query)
				assert.Equal(t, in.wantTimespan, requests[0].Timespan)
				assert.Equal(t, `{"watermark":"`+watermark.FormatDatetime(in.now.Add(-5*time.Minute))+`","windowed_on":"Timestamp"}`,
					storage.Value("watermark/"+goldenTenant+"/processes"), "the window is committed")

				actual := delivered(sink)
				checkRecords(t, in.table, actual)
				file := filepath.Join(goldenDir, in.name+"."+shape.name+".yaml")
				if *updateGolden {
					require.NoError(t, golden.WriteLogs(t, file, actual))
					return
				}
				expected, err := golden.ReadLogs(file)
				require.NoError(t, err)
				// Nothing to ignore: the observed timestamp is the poll's clock, set above, and the
				// event ids are hashes of the rows.
				require.NoError(t, plogtest.CompareLogs(expected, actual))
				// plogtest does not compare event names.
				assert.Equal(t, eventNames(expected), eventNames(actual), "event names")
			})
		}
	}
}

// newGoldenPoller builds a poller for the documented query as the receiver would, with its default
// settings, running its pages through runner; it returns the checkpoint storage too.
func newGoldenPoller(t *testing.T, in goldenInput, inAttributes, inBody bool, runner Runner, sink *consumertest.LogsSink) (*Poller, *watermarktest.MemoryClient) {
	t.Helper()
	_, builder, obs := newTestTelemetry(t)
	storage := watermarktest.NewMemoryClient(nil)
	p := New(Query{
		Name:      "processes",
		Text:      in.query,
		Interval:  5 * time.Minute,
		Policy:    watermark.Policy{Lookback: time.Hour, IngestionDelay: 5 * time.Minute},
		Selection: watermark.Selection{TimestampColumn: "Timestamp", OneTable: tables.ReadsOnlyItsTable(in.query)},
		// The routing defaults the receiver computes for the table (receiver.go's routing, with no
		// resource_attributes configured): the poller only adds what it is given.
		ResourceAttributes: map[string]string{
			"data_stream.dataset":   tables.Dataset(in.table),
			"com.splunk.sourcetype": tables.SourceType(in.table),
		},
		Table: in.table,
	}, Settings{
		Tenant:              goldenTenant,
		ColumnsInAttributes: inAttributes,
		ColumnsInBody:       inBody,
		SemanticAttributes:  true,
		MaxRows:             100000,
		BatchSize:           5000,
		BatchBytes:          16 << 20,
		Retry:               configretry.BackOffConfig{Enabled: false}, // a failure ends the poll at once
		Budget:              callbudget.New(45, time.Minute),
		Runner:              runner,
		Store:               watermark.NewStore(storage, goldenTenant),
		Consumer:            sink,
		Logger:              zap.NewNop(),
		Telemetry:           builder,
		ObsReport:           obs,
		Now:                 func() time.Time { return in.now },
	})
	return p, storage
}

// documentedAPI answers every query at path with the documented response body, as the service
// would, and records the requests.
type documentedAPI struct {
	t    *testing.T
	path string
	body []byte

	mu       sync.Mutex
	requests []huntingapi.Request
}

func (d *documentedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != d.path {
		d.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	var req huntingapi.Request // its fields match the request body's Query and Timespan
	data, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(data, &req)
	}
	if err != nil {
		d.t.Errorf("reading the request body %q: %v", data, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	d.requests = append(d.requests, req)
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(d.body)
}

func (d *documentedAPI) received() []huntingapi.Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]huntingapi.Request(nil), d.requests...)
}

// oldestFirst is body with its Results sorted by Timestamp, oldest first, each row's text kept.
func oldestFirst(t *testing.T, body []byte) []byte {
	var response map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &response))
	resultsKey := "Results"
	if _, ok := response[resultsKey]; !ok {
		resultsKey = "results" // Graph's spelling
	}
	var rows []json.RawMessage
	require.NoError(t, json.Unmarshal(response[resultsKey], &rows))
	timestamp := func(row json.RawMessage) string {
		var r struct{ Timestamp string }
		require.NoError(t, json.Unmarshal(row, &r))
		return r.Timestamp
	}
	sort.SliceStable(rows, func(i, j int) bool { return timestamp(rows[i]) < timestamp(rows[j]) })
	sorted, err := json.Marshal(rows)
	require.NoError(t, err)
	response[resultsKey] = sorted
	out, err := json.Marshal(response)
	require.NoError(t, err)
	return out
}

// TestDocumentedOrderIsRefused serves the documented responses as they are, newest first, which
// the service never answers to the receiver's query: the page fails, and nothing is delivered or
// committed, rather than a watermark moving past rows that were not delivered yet.
func TestDocumentedOrderIsRefused(t *testing.T) {
	for _, in := range goldenInputs {
		t.Run(in.name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(goldenDir, in.name+".response.json"))
			require.NoError(t, err)
			httpServer := httptest.NewServer(&documentedAPI{t: t, path: in.path, body: body})
			defer httpServer.Close()
			sink := new(consumertest.LogsSink)
			p, storage := newGoldenPoller(t, in, false, true, huntingapi.NewClient(httpServer.Client(), httpServer.URL, in.api), sink)
			p.loadCheckpoint(t.Context())
			err = p.poll(t.Context())
			require.ErrorIs(t, err, errBadKey)
			assert.ErrorContains(t, err, "the rows are not in order")
			assert.Equal(t, failureQuery, classify(err))
			assert.Zero(t, sink.LogRecordCount())
			assert.Empty(t, storage.Value("watermark/"+goldenTenant+"/processes"))
		})
	}
}

// delivered is every batch the pipeline received, in order, as one plog.Logs: each batch is one
// ResourceLogs.
func delivered(sink *consumertest.LogsSink) plog.Logs {
	out := plog.NewLogs()
	for _, logs := range sink.AllLogs() {
		for _, rl := range logs.ResourceLogs().All() {
			rl.CopyTo(out.ResourceLogs().AppendEmpty())
		}
	}
	return out
}

func eventNames(logs plog.Logs) []string {
	var names []string
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, record := range sl.LogRecords().All() {
				names = append(names, record.EventName())
			}
		}
	}
	return names
}

// checkRecords checks what must hold whatever the golden file says, so that a golden file written
// from a wrong output cannot hide it: every record names its table, carries an event id, and is
// stamped with its Timestamp column to the nanosecond.
func checkRecords(t *testing.T, table string, logs plog.Logs) {
	t.Helper()
	require.Positive(t, logs.LogRecordCount())
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, record := range sl.LogRecords().All() {
				assert.Equal(t, table, record.EventName())
				uid, ok := record.Attributes().Get(rowconv.AttrEventID)
				if assert.True(t, ok, "event id") {
					assert.Regexp(t, `^[0-9a-f]{32}$`, uid.Str())
				}
				columns := record.Attributes()
				if record.Body().Type() == pcommon.ValueTypeMap {
					columns = record.Body().Map()
				}
				text, ok := columns.Get("Timestamp")
				if assert.True(t, ok, "Timestamp column") {
					at, ok := rowconv.ParseDateTime(text.Str())
					assert.True(t, ok)
					assert.Equal(t, at, record.Timestamp().AsTime())
				}
			}
		}
	}
}
