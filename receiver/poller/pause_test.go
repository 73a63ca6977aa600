package poller

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/consumer/consumertest"

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
	}{
		{
			name:  "Retry-After is honoured",
			err:   &huntingapi.Error{StatusCode: 429, RetryAfter: 17 * time.Second},
			class: failureThrottled,
			min:   17 * time.Second, max: 18 * time.Second,
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
			retry := h.poller.newRetry()
			retry.backoff.RandomizationFactor = 0
			before := time.Now()
			end := h.poller.pauseEnd(tt.err, tt.class, retry)
			assert.Equal(t, tt.class, classify(tt.err))
			assert.GreaterOrEqual(t, end.Sub(before), tt.min)
			assert.LessOrEqual(t, end.Sub(before), tt.max)
			if tt.check != nil {
				tt.check(t, end)
			}
		})
	}
}
