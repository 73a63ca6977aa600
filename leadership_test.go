package defenderhuntingreceiver

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/k8sleaderelector"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/internal/metadatatest"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark/watermarktest"
	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

var electorID = component.MustNewID("k8s_leader_elector")

// fakeElector plays the k8s_leader_elector extension: the test decides when this collector leads.
// As client-go's elector does, it ends the leading context before it calls the stop callback.
type fakeElector struct {
	component.StartFunc
	component.ShutdownFunc
	mu         sync.Mutex
	onStart    k8sleaderelector.StartCallback
	onStop     k8sleaderelector.StopCallback
	endLeading context.CancelFunc
}

func (e *fakeElector) SetCallBackFuncs(onStart k8sleaderelector.StartCallback, onStop k8sleaderelector.StopCallback) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onStart, e.onStop = onStart, onStop
}

func (e *fakeElector) lead() {
	e.mu.Lock()
	defer e.mu.Unlock()
	leading, cancel := context.WithCancel(context.Background())
	e.endLeading = cancel
	e.onStart(leading)
}

func (e *fakeElector) lose() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.endLeading != nil {
		e.endLeading()
	}
	e.onStop()
}

// leaderElectorWorld is a receiver following a fake elector against the simulator, polling every
// 100 ms, with the leadership gauge readable.
type leaderElectorWorld struct {
	sim       *simulator.Simulator
	elector   *fakeElector
	host      *testHost
	sink      *consumertest.LogsSink
	telemetry *componenttest.Telemetry
	rcv       receiver.Logs
}

func startLeaderElectorWorld(t *testing.T) *leaderElectorWorld {
	t.Helper()
	w := &leaderElectorWorld{
		sim:       startSimulator(t, simulator.Options{ClientSecret: simSecret}),
		elector:   &fakeElector{},
		sink:      new(consumertest.LogsSink),
		telemetry: componenttest.NewTelemetry(),
	}
	t.Cleanup(func() { require.NoError(t, w.telemetry.Shutdown(context.Background())) })
	w.host = &testHost{
		storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)},
		others:  map[component.ID]component.Component{electorID: w.elector},
	}
	cfg := simulatorConfig(t, w.sim, secretOf(simSecret))
	cfg.K8sLeaderElector = &electorID
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = w.telemetry.NewTelemetrySettings()
	rcv, err := NewFactory().CreateLogs(t.Context(), set, cfg, w.sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(t.Context(), w.host))
	w.rcv = rcv
	return w
}

// requirePolling requires the receiver to be calling the API (several calls within a few seconds)
// or to have stopped (no call in ten intervals, once a call in flight has had time to land).
func (w *leaderElectorWorld) requirePolling(t *testing.T, want bool, step string) {
	t.Helper()
	calls := func() int { return w.sim.Stats().HuntingTotal() }
	if want {
		before := calls()
		require.Eventually(t, func() bool { return calls() >= before+2 }, 10*time.Second, 20*time.Millisecond, "no polling after %s", step)
	} else {
		time.Sleep(200 * time.Millisecond)
		before := calls()
		time.Sleep(time.Second)
		require.Equal(t, before, calls(), "calls to the API after %s", step)
	}
	gauge := int64(0)
	if want {
		gauge = 1
	}
	metadatatest.AssertEqualDefenderHuntingLeader(t, w.telemetry, []metricdata.DataPoint[int64]{{Value: gauge}}, metricdatatest.IgnoreTimestamp())
}

func TestPollsOnlyWhileLeading(t *testing.T) {
	type step struct {
		do      string // lead, lose or shutdown
		polling bool   // whether the receiver polls afterwards
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"lead, lose, lead again", []step{{"lead", true}, {"lose", false}, {"lead", true}, {"shutdown", false}}},
		{"lose before leading", []step{{"lose", false}, {"lead", true}, {"shutdown", false}}},
		{"shutdown while leading, then leadership comes back", []step{{"lead", true}, {"shutdown", false}, {"lose", false}, {"lead", false}}},
		{"shutdown while standing by, then leadership comes", []step{{"shutdown", false}, {"lead", false}, {"lose", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := startLeaderElectorWorld(t)
			w.requirePolling(t, false, "start")
			for i, s := range tt.steps {
				switch s.do {
				case "lead":
					w.elector.lead()
				case "lose":
					w.elector.lose()
				case "shutdown":
					require.NoError(t, w.rcv.Shutdown(t.Context()))
				}
				w.requirePolling(t, s.polling, s.do)
				if i == len(tt.steps)-1 {
					assert.NoError(t, w.rcv.Shutdown(t.Context()), "a second Shutdown")
				}
			}
		})
	}
}

// TestLeadingAgainReloadsTheCheckpoint shows that a new term starts from the stored checkpoint, not
// from where the last term left off: another collector may have moved it meanwhile. Here the
// checkpoint is removed between the terms, so the second term reads the lookback again, and events
// of the first term come again.
func TestLeadingAgainReloadsTheCheckpoint(t *testing.T) {
	w := startLeaderElectorWorld(t)
	defer func() { require.NoError(t, w.rcv.Shutdown(t.Context())) }()
	w.elector.lead()
	require.Eventually(t, func() bool { return w.sink.LogRecordCount() > 0 }, 10*time.Second, 20*time.Millisecond)
	w.elector.lose()
	firstTerm := map[int64]int{}
	deliveredReportIDs(w.sink, firstTerm)
	w.sink.Reset()

	checkpointKey := "watermark/" + simTenant + "/processes"
	require.NotEmpty(t, w.host.storage.client.Value(checkpointKey))
	require.NoError(t, w.host.storage.client.Delete(t.Context(), checkpointKey))
	w.elector.lead()
	again := func() int {
		secondTerm := map[int64]int{}
		deliveredReportIDs(w.sink, secondTerm)
		n := 0
		for id := range firstTerm {
			n += secondTerm[id]
		}
		return n
	}
	require.Eventually(t, func() bool { return again() == len(firstTerm) }, 10*time.Second, 20*time.Millisecond,
		"the second term delivered the first term's events again")
}

func TestStartFailsOnABadLeaderElector(t *testing.T) {
	tests := []struct {
		name    string
		others  map[component.ID]component.Component
		wantErr string
	}{
		{"not in the collector", nil, `k8s_leader_elector: extension "k8s_leader_elector" not found`},
		{"another kind of extension", map[component.ID]component.Component{electorID: &memoryStorage{}},
			`k8s_leader_elector: extension "k8s_leader_elector" is not a k8s_leader_elector extension`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.TenantID, cfg.Credentials = simTenant, secretOf(simSecret)
			cfg.K8sLeaderElector = &electorID
			rcv, err := NewFactory().CreateLogs(t.Context(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(t, err)
			host := &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}, others: tt.others}
			assert.ErrorContains(t, rcv.Start(t.Context(), host), tt.wantErr)
			assert.NoError(t, rcv.Shutdown(t.Context()))
		})
	}
}

// TestLeaderElectorWithoutStorageWarns: without storage a new term cannot know where the last one
// stopped, which a warning at start says; with storage there is none.
func TestLeaderElectorWithoutStorageWarns(t *testing.T) {
	for _, tt := range []struct {
		name     string
		storage  *component.ID
		warnings int
	}{
		{"without storage", nil, 1},
		{"with storage", &storageID, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.TenantID, cfg.Credentials = simTenant, secretOf(simSecret)
			cfg.K8sLeaderElector, cfg.Storage = &electorID, tt.storage
			core, logs := observer.New(zap.WarnLevel)
			set := receivertest.NewNopSettings(metadata.Type)
			set.Logger = zap.New(core)
			rcv, err := NewFactory().CreateLogs(t.Context(), set, cfg, consumertest.NewNop())
			require.NoError(t, err)
			host := &testHost{
				storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)},
				others:  map[component.ID]component.Component{electorID: &fakeElector{}},
			}
			require.NoError(t, rcv.Start(t.Context(), host))
			require.NoError(t, rcv.Shutdown(t.Context()))
			assert.Equal(t, tt.warnings, logs.FilterMessageSnippet("k8s_leader_elector without storage").Len())
		})
	}
}
