package defenderhuntingreceiver

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark/watermarktest"
	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// unreachableStorage refuses its first clients, as a database that is down does.
type unreachableStorage struct {
	memoryStorage
	refusals atomic.Int32 // clients still to refuse
}

func (u *unreachableStorage) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	if u.refusals.Add(-1) >= 0 {
		return nil, errors.New("connection refused")
	}
	return u.memoryStorage.GetClient(ctx, kind, id, name)
}

// TestStorageThatCannotOpenHoldsThePollers: while the storage gives no client, the queries wait
// (reported once in the log, and in the status), and poll once it does.
func TestStorageThatCannotOpenHoldsThePollers(t *testing.T) {
	sim := startSimulator(t, simulator.Options{ClientSecret: simSecret})
	cfg := simulatorConfig(t, sim, secretOf(simSecret))
	cfg.RetryOnFailure.InitialInterval, cfg.RetryOnFailure.MaxInterval = 10*time.Millisecond, 20*time.Millisecond
	unreachable := &unreachableStorage{memoryStorage: memoryStorage{client: watermarktest.NewMemoryClient(nil)}}
	unreachable.refusals.Store(5)
	host := &testHost{storage: &memoryStorage{}, others: map[component.ID]component.Component{storageID: unreachable}}
	core, logs := observer.New(zap.InfoLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(t.Context(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(t.Context(), host))
	require.Eventually(t, func() bool { return sink.LogRecordCount() > 0 }, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, rcv.Shutdown(t.Context()))

	assert.Equal(t, 1, logs.FilterMessage("Cannot open the storage: the queries wait for their checkpoints").Len(), "logged once")
	assert.Equal(t, 1, logs.FilterMessage("Storage client opened").Len())
	host.mu.Lock()
	first := host.events[0]
	host.mu.Unlock()
	assert.ErrorContains(t, first.Err(), `storage: opening a client of "memory_storage": connection refused`)
	assert.Equal(t, componentstatus.StatusOK, host.lastStatus().Status())
}
