// Package callbudget spaces the hunting API calls of a tenant so that they stay under the service's
// per-tenant quota, and holds every caller back while the service asks for a pause.
package callbudget

import (
	"context"
	"sync"
	"time"
)

// Budget allows at most Limit calls in any sliding Period, shared by all its callers. The service
// counts calls per tenant in a sliding minute; spacing them on the client makes a 429 the exception
// rather than the way the limit is found.
type Budget struct {
	limit  int
	period time.Duration
	now    func() time.Time

	mu sync.Mutex
	// recent holds the start times of the last calls, oldest first; at most limit of them.
	recent []time.Time
	// pausedUntil is when the service said calls may resume (Retry-After, CPU quota cycle).
	pausedUntil time.Time
}

// New returns a budget of limit calls per period.
func New(limit int, period time.Duration) *Budget {
	return &Budget{limit: limit, period: period, now: time.Now}
}

// Wait blocks until a call may start without exceeding the budget or interrupting a pause, and
// counts the call. It returns early with ctx's error.
func (b *Budget) Wait(ctx context.Context) error {
	for {
		delay := b.reserve()
		if delay <= 0 {
			return nil
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// reserve counts a call starting now and returns 0, or returns how long to wait before asking again.
func (b *Budget) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if now.Before(b.pausedUntil) {
		return b.pausedUntil.Sub(now)
	}
	if len(b.recent) == b.limit {
		if wait := b.recent[0].Add(b.period).Sub(now); wait > 0 {
			return wait
		}
		b.recent = b.recent[1:]
	}
	b.recent = append(b.recent, now)
	return 0
}

// setLimit changes the number of calls allowed per period.
func (b *Budget) setLimit(limit int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limit = limit
	if len(b.recent) > limit {
		b.recent = b.recent[len(b.recent)-limit:]
	}
}

// PauseUntil holds every caller back until t (later pauses win over earlier ones).
func (b *Budget) PauseUntil(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.After(b.pausedUntil) {
		b.pausedUntil = t
	}
}

// PausedUntil is the end of the current pause, or the zero time when there is none.
func (b *Budget) PausedUntil() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.now().Before(b.pausedUntil) {
		return b.pausedUntil
	}
	return time.Time{}
}
