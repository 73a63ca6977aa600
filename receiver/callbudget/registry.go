package callbudget

import (
	"sync"
	"time"
)

// The service's quota is per tenant, not per receiver: every receiver instance in the collector that
// queries a tenant must draw on one budget. Receivers hold it through a Lease for as long as they
// run, so that a budget outlives no receiver (a config reload starts from the new limits).
var (
	registryMu sync.Mutex
	registry   = map[string]*shared{}
)

// shared is a tenant's budget and the limits its current holders configured.
type shared struct {
	budget *Budget
	limits map[*Lease]int
}

// Lease is a receiver's hold on its tenant's budget.
type Lease struct {
	*Budget
	tenant string
}

// Acquire returns a hold on the process-wide budget of tenant, creating it with limit calls per
// minute. While several receivers configure different limits for one tenant, the smallest applies:
// the quota is the tenant's.
func Acquire(tenant string, limit int) *Lease {
	registryMu.Lock()
	defer registryMu.Unlock()
	s, ok := registry[tenant]
	if !ok {
		s = &shared{budget: New(limit, time.Minute), limits: map[*Lease]int{}}
		registry[tenant] = s
	}
	lease := &Lease{Budget: s.budget, tenant: tenant}
	s.limits[lease] = limit
	s.applySmallestLimit()
	return lease
}

// Release gives the hold up; the budget is forgotten once no receiver holds it. Safe more than once.
func (l *Lease) Release() {
	registryMu.Lock()
	defer registryMu.Unlock()
	s, ok := registry[l.tenant]
	if !ok {
		return
	}
	delete(s.limits, l)
	if len(s.limits) == 0 {
		delete(registry, l.tenant)
		return
	}
	s.applySmallestLimit()
}

func (s *shared) applySmallestLimit() {
	smallest := 0
	for _, limit := range s.limits {
		if smallest == 0 || limit < smallest {
			smallest = limit
		}
	}
	s.budget.setLimit(smallest)
}
