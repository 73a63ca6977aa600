package simulator

import (
	"maps"
	"sync"
)

// Counters tell a test what clients did: whether they cached tokens, how
// often they were throttled, how many rows they were sent, and which faults
// they met.
type Counters struct {
	DiscoveryRequests int // GETs of the OpenID configuration
	TokenRequests     int // POSTs to the token endpoint, successful or not
	TokensIssued      int
	// TokenResponses counts token endpoint answers by HTTP status.
	TokenResponses map[int]int
	// HuntingCalls counts calls to the legacy hunting endpoint by HTTP
	// status: 200, 400, 401, 429, ...; 0 counts calls whose connection was
	// dropped without a response.
	HuntingCalls map[int]int
	// GraphCalls counts calls to Graph's runHuntingQuery the same way.
	GraphCalls map[int]int
	// TenantCalls counts the hunting calls at either endpoint whose token
	// was valid, by the tenant it was issued for, whatever their outcome
	// (429s of the tenant's quota included).
	TenantCalls map[string]int
	// RowsServed counts the rows of 200 bodies that were sent whole.
	RowsServed int64
	// Faults counts injected faults by kind, named as in Faults
	// ("Status500", "CutOffBody", ...).
	Faults map[string]int
}

// HuntingTotal is the number of hunting calls at either endpoint, whatever
// their outcome: the two share the quota, so a client's load is their sum.
func (c Counters) HuntingTotal() int {
	total := 0
	for _, calls := range []map[int]int{c.HuntingCalls, c.GraphCalls} {
		for _, n := range calls {
			total += n
		}
	}
	return total
}

type counters struct {
	mu sync.Mutex
	c  Counters
}

func newCounters() *counters {
	return &counters{c: Counters{TokenResponses: map[int]int{}, HuntingCalls: map[int]int{}, GraphCalls: map[int]int{},
		TenantCalls: map[string]int{}, Faults: map[string]int{}}}
}

func (c *counters) update(change func(*Counters)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	change(&c.c)
}

func (c *counters) snapshot() Counters {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.c
	out.TokenResponses = maps.Clone(c.c.TokenResponses)
	out.HuntingCalls = maps.Clone(c.c.HuntingCalls)
	out.GraphCalls = maps.Clone(c.c.GraphCalls)
	out.TenantCalls = maps.Clone(c.c.TenantCalls)
	out.Faults = maps.Clone(c.c.Faults)
	return out
}
