package callbudget

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestReserveKeepsASlidingWindow(t *testing.T) {
	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	type step struct {
		at        time.Duration // after start
		pause     time.Duration // when set, PauseUntil(start+pause) before reserving
		wantDelay time.Duration
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "the limit's worth of calls go at once, the next waits for the oldest to leave the window",
			steps: []step{
				{at: 0}, {at: time.Second}, {at: 2 * time.Second},
				{at: 3 * time.Second, wantDelay: 57 * time.Second},
				{at: 60 * time.Second},
				{at: 60 * time.Second, wantDelay: time.Second},
			},
		},
		{
			name: "a pause holds calls back even with budget left",
			steps: []step{
				{at: 0, pause: 30 * time.Second, wantDelay: 30 * time.Second},
				{at: 29 * time.Second, wantDelay: time.Second},
				{at: 30 * time.Second},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(3, time.Minute)
			var now time.Time
			b.now = func() time.Time { return now }
			for i, s := range tt.steps {
				now = start.Add(s.at)
				if s.pause > 0 {
					b.PauseUntil(start.Add(s.pause))
				}
				assert.Equal(t, s.wantDelay, b.reserve(), "step %d", i)
			}
		})
	}
}

func TestWaitReturnsWhenCanceled(t *testing.T) {
	b := New(1, time.Hour)
	require.NoError(t, b.Wait(t.Context()))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, b.Wait(ctx), context.DeadlineExceeded)
}

func TestPausedUntil(t *testing.T) {
	b := New(1, time.Minute)
	assert.True(t, b.PausedUntil().IsZero())
	until := time.Now().Add(time.Hour)
	b.PauseUntil(until)
	b.PauseUntil(until.Add(-time.Minute)) // an earlier pause does not shorten it
	assert.Equal(t, until, b.PausedUntil())
}

func TestAcquireSharesOneBudgetPerTenant(t *testing.T) {
	a := Acquire("tenant-a", 45)
	b := Acquire("tenant-a", 30)
	other := Acquire("tenant-b", 45)
	assert.Same(t, a.Budget, b.Budget, "same tenant, same budget")
	assert.NotSame(t, a.Budget, other.Budget, "other tenant, other budget")
	assert.Equal(t, 30, a.limit, "the smallest limit of the current holders applies")

	b.Release()
	assert.Equal(t, 45, a.limit, "a released hold's limit no longer applies")
	b.Release() // twice is harmless
	a.Release()
	other.Release()
	fresh := Acquire("tenant-a", 60)
	defer fresh.Release()
	assert.NotSame(t, a.Budget, fresh.Budget, "a budget nobody holds is forgotten")
	assert.Equal(t, 60, fresh.limit)
}
