package poller

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
)

// gatedConsumer holds its first call until released (or until a test's patience runs out, so that
// a poller that waits for it fails the test rather than hanging it), then accepts everything and
// counts the records of each ProcessId.
type gatedConsumer struct {
	release  chan struct{}
	entered  chan struct{} // closed when the first call starts
	calls    int
	accepted map[string]int
}

func newGatedConsumer() *gatedConsumer {
	return &gatedConsumer{release: make(chan struct{}), entered: make(chan struct{}), accepted: map[string]int{}}
}

func (g *gatedConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (g *gatedConsumer) ConsumeLogs(_ context.Context, logs plog.Logs) error {
	g.calls++
	if g.calls == 1 {
		close(g.entered)
		select {
		case <-g.release:
		case <-time.After(10 * time.Second):
			return errors.New("never released")
		}
	}
	records := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for _, record := range records.All() {
		pid, _ := record.Attributes().Get("ProcessId")
		g.accepted[pid.AsString()]++
	}
	return nil
}

// pollInBackground runs one poll on a goroutine of its own; its error arrives on the channel.
func pollInBackground(h *harness) <-chan error {
	done := make(chan error, 1)
	go func() { done <- h.poller.poll(h.t.Context()) }()
	return done
}

// TestPagesAreReadWhileBatchesAreDelivered: while the pipeline holds the first batch, the poller
// reads on and asks for the next page; every row still arrives once and the window is committed.
func TestPagesAreReadWhileBatchesAreDelivered(t *testing.T) {
	sink := newGatedConsumer()
	// Pages of three rows: the first ends inside the shared timestamp, so a second page is needed.
	h := newHarness(t, options{maxRows: 3}, &fakeAPI{rows: rows}, sink)
	done := pollInBackground(h)

	<-sink.entered
	asked := assert.Eventually(t, func() bool { return len(h.api.sent()) >= 2 }, 5*time.Second, time.Millisecond,
		"the next page is asked for while the first batch is being delivered")
	close(sink.release)
	require.NoError(t, <-done)
	require.True(t, asked)
	assert.Equal(t, everyRowOnce, sink.accepted)
	assert.Equal(t, `{"watermark":"2026-11-26T11:55:00.0000000Z","windowed_on":"Timestamp"}`, h.storage.Value(checkpointKey))
}

// TestBatchesInFlightAreBounded: a pipeline that does not answer holds the reading back after
// batchesQueued batches wait behind the one it holds, so memory follows the batches, not the pages.
func TestBatchesInFlightAreBounded(t *testing.T) {
	const batchSize = 4
	many := make([]map[string]any, 200)
	for i := range many {
		many[i] = map[string]any{"Timestamp": fmt.Sprintf("2026-11-26T11:%02d:%02d.0000000Z", 10+i/60, i%60), "ProcessId": fmt.Sprint(i)}
	}
	sink := newGatedConsumer()
	h := newHarness(t, options{batchSize: batchSize}, &fakeAPI{rows: many}, sink)
	done := pollInBackground(h)

	<-sink.entered
	// Reading stops once the queue is full: it stays where it is.
	var read int64
	require.Eventually(t, func() bool {
		before := h.api.handedOver.Load()
		time.Sleep(20 * time.Millisecond)
		read = h.api.handedOver.Load()
		return read == before
	}, 5*time.Second, time.Millisecond)
	// The batch delivered, those queued, the one being built and the row that would start the next.
	assert.Equal(t, int64((batchesQueued+2)*batchSize+1), read)

	close(sink.release)
	require.NoError(t, <-done)
	assert.Len(t, sink.accepted, len(many))
}
