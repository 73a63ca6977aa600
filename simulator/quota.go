package simulator

import (
	"fmt"
	"sync"
	"time"
)

// callQuota allows each tenant at most limit calls in any sliding window, as
// the service's "API calls quota exceeded! maximum allowed 45 per 00:01:00".
type callQuota struct {
	limit  int
	window time.Duration

	mu    sync.Mutex
	calls map[string][]time.Time // per tenant, oldest first, within the window
}

func newCallQuota(limit int, window time.Duration) *callQuota {
	return &callQuota{limit: limit, window: window, calls: map[string][]time.Time{}}
}

// admit records a call at now and reports whether it is within the quota.
// A refused call is not recorded, so a client that waits as told by
// retryAfter gets through. retryAfter is how long until a call would be
// admitted.
func (q *callQuota) admit(tenant string, now time.Time) (ok bool, retryAfter time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	recent := q.calls[tenant]
	for len(recent) > 0 && !recent[0].After(now.Add(-q.window)) {
		recent = recent[1:]
	}
	if len(recent) >= q.limit {
		q.calls[tenant] = recent
		return false, recent[0].Add(q.window).Sub(now)
	}
	q.calls[tenant] = append(recent, now)
	return true, 0
}

// describe is the quota as the service words it in a 429 body.
func (q *callQuota) describe() string {
	return fmt.Sprintf("API calls quota exceeded! maximum allowed %d per %s", q.limit, formatTimespan(q.window))
}
