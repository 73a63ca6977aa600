package poller

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

func TestPauseEnd(t *testing.T) {
	h := newHarness(t, options{}, &fakeAPI{}, new(consumertest.LogsSink))
	h.poller.settings.Retry.InitialInterval = 10 * time.Second
	h.poller.settings.Retry.MaxInterval = 10 * time.Second
	tests := []struct {
		name     string
		err      error
		class    failure
		min, max time.Duration // from now
		check    func(t *testing.T, end time.Time)
		// requested is the warning's requested field when the pause is over a minute, if any.
		requested string
	}{
		{
			name:  "Retry-After is honoured",
			err:   &huntingapi.Error{StatusCode: 429, RetryAfter: 17 * time.Second},
			class: failureThrottled,
			min:   17 * time.Second, max: 18 * time.Second,
		},
		{
			name:  "Retry-After over a minute is honoured, with a warning",
			err:   &huntingapi.Error{StatusCode: 429, RetryAfter: 2 * time.Minute},
			class: failureThrottled,
			min:   2 * time.Minute, max: 2*time.Minute + time.Second,
			requested: "2m0s",
		},
		{
			name:  "Retry-After beyond the maximum is cut to it, whoever built the error",
			err:   &huntingapi.Error{StatusCode: 429, RetryAfter: 876000 * time.Hour},
			class: failureThrottled,
			min:   huntingapi.MaxRetryAfter, max: huntingapi.MaxRetryAfter + time.Second,
			requested: "876000h0m0s",
		},
		{
			name:  "without Retry-After, the backoff",
			err:   &huntingapi.Error{StatusCode: 429},
			class: failureThrottled,
			min:   10 * time.Second, max: 11 * time.Second,
		},
		{
			name:  "CPU quota: the start of the next 15-minute cycle",
			err:   &huntingapi.Error{StatusCode: 429, Message: "Tenant exceeded the allocated CPU resources"},
			class: failureCPUQuota,
			min:   0, max: cpuQuotaCycle + 6*time.Second,
			check: func(t *testing.T, end time.Time) {
				assert.Equal(t, 5*time.Second, end.Sub(end.Truncate(cpuQuotaCycle)), "5 s into a cycle")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.WarnLevel)
			h.poller.logger = zap.New(core)
			retry := h.poller.newRetry()
			retry.backoff.RandomizationFactor = 0
			before := time.Now()
			end := h.poller.pauseEnd(tt.err, tt.class, retry)
			after := time.Now()
			assert.Equal(t, tt.class, classify(tt.err))
			assert.GreaterOrEqual(t, end.Sub(before), tt.min)
			assert.LessOrEqual(t, end.Sub(before), tt.max)
			if tt.check != nil {
				tt.check(t, end)
			}
			// A pause over a minute is logged once; a shorter one is not.
			switch pause := end.Sub(after); {
			case pause > time.Minute:
				require.Equal(t, 1, logs.Len(), "a pause of %s", pause)
				fields := logs.All()[0].ContextMap()
				assert.Equal(t, string(tt.class), fields["reason"])
				assert.InDelta(t, end.Sub(before), fields["pause"], float64(after.Sub(before)))
				if tt.requested != "" {
					assert.Equal(t, tt.requested, fields["requested"])
				}
			case end.Sub(before) <= time.Minute:
				assert.Zero(t, logs.Len(), "a pause of %s: %v", pause, logs.All())
			}
		})
	}
}

// TestThrottledForACenturyPausesForTheMaximum: a 429 whose Retry-After asks for a century (in
// seconds, through the real API client) pauses the tenant for huntingapi.MaxRetryAfter, not more,
// and says so once in a warning with what was asked and what was applied.
func TestThrottledForACenturyPausesForTheMaximum(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3153600000")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"API calls quota exceeded! maximum allowed 45 per 00:01:00"}}`)
	}))
	t.Cleanup(srv.Close)
	h := newHarness(t, options{}, &fakeAPI{}, new(consumertest.LogsSink))
	h.poller.settings.Runner = huntingapi.NewClient(srv.Client(), srv.URL, huntingapi.AdvancedHunting)
	core, logs := observer.New(zap.WarnLevel)
	h.poller.logger = zap.New(core)
	budget := h.poller.settings.Budget

	ctx, cancel := context.WithCancel(t.Context())
	before := time.Now()
	done := make(chan error, 1)
	go func() { done <- h.poller.poll(ctx) }()
	// The poll waits on the budget once the tenant is paused: end it there.
	require.Eventually(t, func() bool { return !budget.PausedUntil().IsZero() }, 10*time.Second, time.Millisecond)
	after := time.Now()
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	end := budget.PausedUntil()
	assert.False(t, end.Before(before.Add(huntingapi.MaxRetryAfter)), "paused until %v, %v after the call", end, end.Sub(before))
	assert.False(t, end.After(after.Add(huntingapi.MaxRetryAfter)), "paused until %v, %v after the call", end, end.Sub(before))

	warnings := logs.FilterMessageSnippet("pausing").All()
	require.Len(t, warnings, 1, "one warning per pause: %v", logs.All())
	fields := warnings[0].ContextMap()
	assert.Equal(t, "3153600000s", fields["requested"])
	assert.Equal(t, huntingapi.MaxRetryAfter.String(), fields["pause"].(time.Duration).String())
	assert.Equal(t, "throttled", fields["reason"])
}
