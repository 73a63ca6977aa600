package defenderhuntingreceiver

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark/watermarktest"
	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

const (
	simTenant   = "00000000-0000-0000-0000-000000000000"
	simClientID = "11111111-1111-1111-1111-111111111111"
	simSecret   = "sim-secret"
)

var storageID = component.MustNewID("memory_storage")

// testHost offers one storage extension (and any others) and records the status events the
// receiver reports.
type testHost struct {
	component.Host
	storage *memoryStorage
	others  map[component.ID]component.Component
	mu      sync.Mutex
	events  []*componentstatus.Event
}

func (h *testHost) GetExtensions() map[component.ID]component.Component {
	extensions := map[component.ID]component.Component{storageID: h.storage}
	maps.Copy(extensions, h.others)
	return extensions
}

func (h *testHost) Report(event *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, event)
}

func (h *testHost) lastStatus() *componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return nil
	}
	return h.events[len(h.events)-1]
}

// memoryStorage is a storage extension whose one client outlives receivers, like a file on disk.
type memoryStorage struct {
	component.StartFunc
	component.ShutdownFunc
	client *watermarktest.MemoryClient
}

func (m *memoryStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return m.client, nil
}

// startSimulator serves two minutes of DeviceProcessEvents to the app that opts' credential (secret
// or federated token) describes.
func startSimulator(t *testing.T, opts simulator.Options) *simulator.Simulator {
	t.Helper()
	opts.TenantID, opts.ClientID = simTenant, simClientID
	// Polling every 100 ms would spend the real quota in seconds; quotas are tested elsewhere.
	opts.CallsPerMinute = 100000
	opts.Tables = []simulator.TableSpec{{Name: "DeviceProcessEvents", Start: time.Now().Add(-2 * time.Minute), Every: 123456700 * time.Nanosecond, PerTimestamp: 3}}
	sim, err := simulator.New(opts)
	require.NoError(t, err)
	require.NoError(t, sim.Start())
	t.Cleanup(func() { require.NoError(t, sim.Close()) })
	return sim
}

// secretOf is the service principal of the simulator's app with secret.
func secretOf(secret string) *CredentialsConfig {
	return &CredentialsConfig{ServicePrincipal: &ServicePrincipalConfig{ClientID: simClientID, ClientSecret: configopaque.String(secret)}}
}

// simulatorConfig is a receiver config for sim, signing in with credentials (the simulator also
// plays Entra ID).
func simulatorConfig(t *testing.T, sim *simulator.Simulator, credentials *CredentialsConfig) *Config {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, sim.CAPEM(), 0o600))
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = sim.URL()
	cfg.TLS.CAFile = caFile
	cfg.TenantID, cfg.Credentials = simTenant, credentials
	cfg.Credentials.Authority = sim.URL()
	cfg.Storage = &storageID
	cfg.CallsPerMinute = 100000 // polling every 100 ms; quotas are tested elsewhere
	q := defaultQueryConfig()
	q.Name, q.Query, q.Interval, q.IngestionDelay, q.Lookback = "processes", "DeviceProcessEvents", 100*time.Millisecond, 0, 15*time.Minute
	cfg.Queries = []QueryConfig{q}
	require.NoError(t, cfg.Validate())
	return cfg
}

// runReceiver runs a receiver until until() holds, then shuts it down.
func runReceiver(t *testing.T, cfg *Config, host *testHost, sink *consumertest.LogsSink, until func() bool) {
	t.Helper()
	rcv, err := NewFactory().CreateLogs(t.Context(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(t.Context(), host))
	assert.Eventually(t, until, 20*time.Second, 20*time.Millisecond)
	require.NoError(t, rcv.Shutdown(t.Context()))
}

// polled holds once a poll delivered records and reported its outcome.
func polled(host *testHost, sink *consumertest.LogsSink) func() bool {
	return func() bool { return sink.LogRecordCount() > 0 && host.lastStatus() != nil }
}

// eachRecord calls f with every record the sink holds.
func eachRecord(sink *consumertest.LogsSink, f func(plog.LogRecord)) {
	for _, logs := range sink.AllLogs() {
		for _, rl := range logs.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, record := range sl.LogRecords().All() {
					f(record)
				}
			}
		}
	}
}

// reportID is a record's ReportId column, from its body: the row's JSON text by default, or a map.
func reportID(record plog.LogRecord) int64 {
	body := record.Body()
	if body.Type() == pcommon.ValueTypeMap {
		id, _ := body.Map().Get("ReportId")
		return id.Int()
	}
	var row struct{ ReportId int64 }
	if err := json.Unmarshal([]byte(body.Str()), &row); err != nil {
		return 0
	}
	return row.ReportId
}

// deliveredReportIDs counts records per ReportId.
func deliveredReportIDs(sink *consumertest.LogsSink, into map[int64]int) {
	eachRecord(sink, func(record plog.LogRecord) { into[reportID(record)]++ })
}

// TestEveryRowOnceAcrossARestart runs a receiver, stops it, and runs a second one on the same
// storage, on the same API or after switching to the other: together they must deliver every event up
// to the stored watermark, each once.
func TestEveryRowOnceAcrossARestart(t *testing.T) {
	tests := []struct{ first, second string }{
		{APIAdvancedHunting, APIAdvancedHunting},
		{APIGraph, APIGraph},
		{APIAdvancedHunting, APIGraph},
	}
	for _, tt := range tests {
		t.Run(tt.first+" then "+tt.second, func(t *testing.T) {
			sim := startSimulator(t, simulator.Options{ClientSecret: simSecret})
			cfg := simulatorConfig(t, sim, secretOf(simSecret))
			host := &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}}
			checkpointKey := "watermark/" + simTenant + "/processes"
			begin := time.Now().Add(-cfg.Queries[0].Lookback)

			first := new(consumertest.LogsSink)
			cfg.API = tt.first
			runReceiver(t, cfg, host, first, polled(host, first))
			storedAfterFirst := host.storage.client.Value(checkpointKey)
			require.NotEmpty(t, storedAfterFirst)

			second := new(consumertest.LogsSink)
			cfg.API = tt.second
			runReceiver(t, cfg, host, second, polled(host, second))

			var stored struct{ Watermark time.Time }
			require.NoError(t, json.Unmarshal([]byte(host.storage.client.Value(checkpointKey)), &stored))
			delivered := map[int64]int{}
			deliveredReportIDs(first, delivered)
			deliveredReportIDs(second, delivered)
			report := simulator.Compare(sim.GroundTruth("DeviceProcessEvents", begin, stored.Watermark), delivered)
			t.Log(report)
			assert.Zero(t, report.Missing)
			assert.Zero(t, report.Duplicated)
			assert.Equal(t, report.Expected, report.Delivered)
			assert.NotEqual(t, storedAfterFirst, host.storage.client.Value(checkpointKey), "the second run moved the watermark on")
			assert.Equal(t, componentstatus.StatusOK, host.lastStatus().Status())
			stats := sim.Stats()
			assert.NotZero(t, stats.HuntingCalls[http.StatusOK]+stats.GraphCalls[http.StatusOK])
			if tt.first == APIGraph || tt.second == APIGraph {
				assert.NotZero(t, stats.GraphCalls[http.StatusOK], "the Graph endpoint was called")
			}
		})
	}
}

// TestWorkloadIdentity signs in with a federated token file, as on AKS, and queries Graph.
func TestWorkloadIdentity(t *testing.T) {
	const federatedToken = "eyJhbGciOiJSUzI1NiJ9.service-account-token.signature"
	sim := startSimulator(t, simulator.Options{FederatedToken: federatedToken})
	tokenFile := filepath.Join(t.TempDir(), "azure-identity-token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(federatedToken), 0o600))
	cfg := simulatorConfig(t, sim, &CredentialsConfig{WorkloadIdentity: &WorkloadIdentityConfig{ClientID: simClientID, FederatedTokenFile: tokenFile}})
	host := &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}}
	sink := new(consumertest.LogsSink)
	runReceiver(t, cfg, host, sink, polled(host, sink))
	assert.Equal(t, componentstatus.StatusOK, host.lastStatus().Status())
	assert.NotZero(t, sim.Stats().GraphCalls[http.StatusOK])
}

// TestWrongSecretIsReportedNotFatal checks that a refused sign-in is an error log and a recoverable
// component status, and that nothing is delivered or committed.
func TestWrongSecretIsReportedNotFatal(t *testing.T) {
	sim := startSimulator(t, simulator.Options{ClientSecret: simSecret})
	cfg := simulatorConfig(t, sim, secretOf("wrong-secret"))
	host := &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}}
	core, logs := observer.New(zap.ErrorLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := new(consumertest.LogsSink)

	rcv, err := NewFactory().CreateLogs(t.Context(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(t.Context(), host))
	require.Eventually(t, func() bool { return sim.Stats().TokenRequests >= 2 }, 20*time.Second, 20*time.Millisecond)
	require.NoError(t, rcv.Shutdown(t.Context()))

	status := host.lastStatus()
	require.NotNil(t, status)
	assert.Equal(t, componentstatus.StatusRecoverableError, status.Status())
	assert.ErrorContains(t, status.Err(), "AADSTS7000215")
	require.Equal(t, 1, logs.Len(), "a failure that repeats is logged once")
	assert.Contains(t, logs.All()[0].ContextMap()["error"], "AADSTS7000215")
	assert.NotContains(t, logs.All()[0].ContextMap()["error"], "wrong-secret")
	assert.Zero(t, sink.LogRecordCount())
	assert.Empty(t, host.storage.client.Value("watermark/"+simTenant+"/processes"))
}

func TestStartFailsOnBadSetup(t *testing.T) {
	missing := component.MustNewID("file_storage")
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"storage extension not in the collector", func(c *Config) { c.Storage = &missing }, `storage: extension "file_storage" not found`},
		{"certificate file missing", func(c *Config) {
			c.Credentials.ServicePrincipal.ClientSecret = ""
			c.Credentials.ServicePrincipal.ClientCertificatePath = "/nonexistent/client.pem"
		}, "credentials: reading client_certificate_path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.TenantID, cfg.Credentials = simTenant, secretOf(simSecret)
			cfg.Storage = &storageID
			tt.mutate(cfg)
			rcv, err := NewFactory().CreateLogs(t.Context(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(t, err)
			host := &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}}
			assert.ErrorContains(t, rcv.Start(t.Context(), host), tt.wantErr)
			assert.NoError(t, rcv.Shutdown(t.Context()))
		})
	}
}

// clientCredentialsAuth is an auth extension in the manner of oauth2client: it gets a token with the
// client credentials grant from a token URL and puts it on every request.
type clientCredentialsAuth struct {
	component.StartFunc
	component.ShutdownFunc
	tokenURL, clientID, secret string
	client                     *http.Client
}

func (a *clientCredentialsAuth) RoundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := a.client.PostForm(a.tokenURL, url.Values{
			"grant_type": {"client_credentials"}, "client_id": {a.clientID}, "client_secret": {a.secret},
			"scope": {"https://api.security.microsoft.com/.default"},
		})
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var token struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&token); err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+token.AccessToken)
		return base.RoundTrip(req)
	}), nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// TestAuthExtensionInsteadOfEntraCredential signs the calls with a collector auth extension named
// by confighttp's own auth.authenticator: no Entra ID credential of the receiver's own is used.
func TestAuthExtensionInsteadOfEntraCredential(t *testing.T) {
	sim := startSimulator(t, simulator.Options{ClientSecret: simSecret})
	cfg := simulatorConfig(t, sim, secretOf(simSecret))
	// The extension's own client trusts the simulator's CA, as the receiver's does.
	trusting, err := cfg.ToClient(t.Context(), nil, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	authID := component.MustNewID("oauth2client")
	cfg.Credentials = nil
	cfg.Auth = configoptional.Some(configauth.Config{AuthenticatorID: authID})
	require.NoError(t, cfg.Validate())

	extension := &clientCredentialsAuth{
		tokenURL: sim.URL() + "/" + simTenant + "/oauth2/v2.0/token",
		clientID: simClientID, secret: simSecret, client: trusting,
	}
	host := &testHost{
		storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)},
		others:  map[component.ID]component.Component{authID: extension},
	}
	sink := new(consumertest.LogsSink)
	runReceiver(t, cfg, host, sink, polled(host, sink))
	assert.Equal(t, componentstatus.StatusOK, host.lastStatus().Status())
	assert.Zero(t, sim.Stats().DiscoveryRequests, "no Entra ID credential of the receiver's own was used")
}

// TestLegacyAPIWarnsOnceAtStart checks that a receiver on the legacy API says, once at start, that
// the API is being retired and how to move; on Graph it says nothing of it.
func TestLegacyAPIWarnsOnceAtStart(t *testing.T) {
	sim := startSimulator(t, simulator.Options{ClientSecret: simSecret})
	for _, api := range []string{APIAdvancedHunting, APIGraph} {
		t.Run(api, func(t *testing.T) {
			cfg := simulatorConfig(t, sim, secretOf(simSecret))
			cfg.API = api
			core, logs := observer.New(zap.WarnLevel)
			set := receivertest.NewNopSettings(metadata.Type)
			set.Logger = zap.New(core)
			host := &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}}
			sink := new(consumertest.LogsSink)
			rcv, err := NewFactory().CreateLogs(t.Context(), set, cfg, sink)
			require.NoError(t, err)
			require.NoError(t, rcv.Start(t.Context(), host))
			require.Eventually(t, polled(host, sink), 20*time.Second, 20*time.Millisecond)
			require.NoError(t, rcv.Shutdown(t.Context()))

			warnings := logs.FilterMessageSnippet("retiring").All()
			if api == APIGraph {
				assert.Empty(t, warnings)
				return
			}
			require.Len(t, warnings, 1, "once, however many polls ran")
			assert.Contains(t, warnings[0].Message, "ThreatHunting.Read.All")
			assert.Contains(t, warnings[0].Message, "graph is the default")
		})
	}
}

// TestEventIDsAreTheSameThroughEitherAPI runs a receiver on each API, with storages of their own,
// over the same events: each event gets the same log.record.uid from both, no two events share one,
// and every record names its table and carries its semantic attributes.
func TestEventIDsAreTheSameThroughEitherAPI(t *testing.T) {
	sim := startSimulator(t, simulator.Options{ClientSecret: simSecret})
	uids := map[string]map[int64]string{}
	for _, api := range []string{APIAdvancedHunting, APIGraph} {
		cfg := simulatorConfig(t, sim, secretOf(simSecret))
		cfg.API = api
		host := &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}}
		sink := new(consumertest.LogsSink)
		runReceiver(t, cfg, host, sink, polled(host, sink))
		uids[api] = map[int64]string{}
		eachRecord(sink, func(record plog.LogRecord) {
			assert.Equal(t, "DeviceProcessEvents", record.EventName())
			attributes := record.Attributes().AsRaw()
			assert.NotEmpty(t, attributes["host.name"])
			assert.IsType(t, int64(0), attributes["process.pid"])
			uid, _ := attributes["log.record.uid"].(string)
			uids[api][reportID(record)] = uid
		})
	}
	// The two receivers may stop at different points: compare the events both delivered.
	legacy, graph := uids[APIAdvancedHunting], uids[APIGraph]
	compared := 0
	for id, uid := range legacy {
		if other, ok := graph[id]; ok {
			assert.Equal(t, uid, other, "ReportId %d", id)
			compared++
		}
	}
	assert.Greater(t, compared, 1000)
	seen := map[string]int64{}
	for id, uid := range legacy {
		assert.Regexp(t, `^[0-9a-f]{32}$`, uid)
		if other, dup := seen[uid]; dup {
			t.Errorf("ReportIds %d and %d share uid %s", other, id, uid)
		}
		seen[uid] = id
	}
}

func TestRoutingFollowsTheTable(t *testing.T) {
	tests := []struct {
		name       string
		table      string
		configured map[string]string
		want       map[string]string
	}{
		{"a table's defaults", "DeviceProcessEvents", nil, map[string]string{
			"data_stream.dataset": "defender_hunting.device_process_events", "com.splunk.sourcetype": "defender:hunting:device_process_events",
		}},
		{"what the query sets wins", "DeviceProcessEvents", map[string]string{"com.splunk.sourcetype": "mine", "com.splunk.index": "edr"}, map[string]string{
			"data_stream.dataset": "defender_hunting.device_process_events", "com.splunk.sourcetype": "mine", "com.splunk.index": "edr",
		}},
		{"no table, no defaults", "", map[string]string{"data_stream.dataset": "defender.mixed"}, map[string]string{"data_stream.dataset": "defender.mixed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, routing(tt.table, tt.configured))
		})
	}
}

// TestShortIngestionDelayOnIngestionTimeWarns: a query on ingestion time whose windows end less than a
// minute behind now gets a warning at start, naming it; one with the default delay does not.
func TestShortIngestionDelayOnIngestionTimeWarns(t *testing.T) {
	sim := startSimulator(t, simulator.Options{ClientSecret: simSecret})
	cfg := simulatorConfig(t, sim, secretOf(simSecret))
	short, safe := cfg.Queries[0], cfg.Queries[0]
	short.Name, short.Watermark, short.IngestionDelay = "short", WatermarkIngestionTime, 5*time.Second
	safe.Name, safe.Watermark, safe.IngestionDelay = "safe", WatermarkIngestionTime, 5*time.Minute
	cfg.Queries = []QueryConfig{short, safe}
	core, logs := observer.New(zap.WarnLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	rcv, err := NewFactory().CreateLogs(t.Context(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, rcv.Start(t.Context(), &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}}))
	require.NoError(t, rcv.Shutdown(t.Context()))
	warnings := logs.FilterMessageSnippet("ingestion_delay is short").All()
	require.Len(t, warnings, 1)
	assert.Equal(t, "short", warnings[0].ContextMap()["query"])
}
