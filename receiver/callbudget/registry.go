package callbudget

import (
	"sync"
	"time"
)

// The service's quota is per tenant, not per receiver: every receiver instance in the collector that
// queries a tenant must draw on one budget.
var (
	registryMu sync.Mutex
	registry   = map[string]*Budget{}
)

// ForTenant returns the process-wide budget of tenant, creating it with limit calls per minute. When
// receivers configure different limits for one tenant, the smallest wins: the quota is the tenant's.
func ForTenant(tenant string, limit int) *Budget {
	registryMu.Lock()
	defer registryMu.Unlock()
	b, ok := registry[tenant]
	if !ok {
		b = New(limit, time.Minute)
		registry[tenant] = b
		return b
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if limit < b.limit {
		b.limit = limit
		if len(b.recent) > limit {
			b.recent = b.recent[len(b.recent)-limit:]
		}
	}
	return b
}
