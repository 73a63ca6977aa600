package poller

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/goleak"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// statusLog records what Run reports after each poll.
type statusLog struct {
	mu      sync.Mutex
	reports []error
}

func (s *statusLog) report(_ string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports = append(s.reports, err)
}

func (s *statusLog) snapshot() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.reports...)
}

func TestRunPollsAtOnceThenEveryIntervalUntilCanceled(t *testing.T) {
	refused := &huntingapi.Error{StatusCode: 401, Code: "Unauthorized"}
	api := &fakeAPI{rows: rows, script: map[int]call{0: {err: refused}}}
	sink := new(consumertest.LogsSink)
	h := newHarness(t, options{}, api, sink)
	h.poller.query.Interval = 10 * time.Millisecond
	status := &statusLog{}
	h.poller.settings.ReportStatus = status.report
	// Real time, with the rows inside the first window.
	h.poller.settings.Now = time.Now
	h.poller.query.Policy.Lookback = time.Since(start) + time.Hour
	h.poller.loadCheckpoint(t.Context())

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.poller.Run(ctx)
	}()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == len(rows) }, 5*time.Second, 5*time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was canceled")
	}

	reports := status.snapshot()
	require.GreaterOrEqual(t, len(reports), 2)
	assert.ErrorIs(t, reports[0], refused, "the first poll's failure is reported")
	assert.NoError(t, reports[1], "the recovery is reported")
}
