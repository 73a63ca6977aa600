package simulator

import (
	"fmt"
	"strings"
)

// tenantReportIDStride separates the ReportIds of tenants, as reportIDStride
// separates those of tables: tenant p numbers its tables' events from
// p*tenantReportIDStride. It leaves room for ten tables per tenant.
const tenantReportIDStride = 10 * reportIDStride

// maxTenants keeps every tenant's ReportIds within an int64.
const maxTenants = 100_000

// tenant is one directory the app is consented in: its id as registered and
// its own events.
type tenant struct {
	id     string
	tables map[string]*table
}

// TenantIDs returns the tenants a simulator with these options serves, the
// first being TenantID.
func (o Options) TenantIDs() []string {
	return append([]string{o.TenantID}, o.MoreTenants...)
}

// NumberedTenantID is the id of tenant n (from 1) among generated tenants, a
// valid GUID that shows its number: d0000000-0000-4000-8000-000000000017 for
// 17. defendersim's -tenants flag serves these after -tenant.
func NumberedTenantID(n int) string {
	return fmt.Sprintf("d0000000-0000-4000-8000-%012d", n)
}

// NumberedTenantIDs returns the ids of tenants 1 to n.
func NumberedTenantIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = NumberedTenantID(i + 1)
	}
	return ids
}

// newTenant builds the tables of the tenant at position p among the
// tenants. Tenant 0 has the events of a single-tenant simulator; every other
// tenant has ReportIds of its own and rows drawn from seeds of its own, so
// that its events differ from every other tenant's in ReportId, device,
// account and every other drawn value.
func newTenant(id string, p int, opts Options) (*tenant, error) {
	t := &tenant{id: id, tables: map[string]*table{}}
	for i, spec := range opts.Tables {
		tbl, err := newTable(spec, i, newArrival(opts))
		if err != nil {
			return nil, err
		}
		if _, dup := t.tables[spec.Name]; dup {
			return nil, fmt.Errorf("table %q is given twice", spec.Name)
		}
		if p > 0 {
			tbl.reportIDBase += int64(p) * tenantReportIDStride
			tbl.seedBase ^= splitmix64(uint64(p))
		}
		t.tables[spec.Name] = tbl
	}
	return t, nil
}

// tenantOf returns the tenant with this id, in any letter case as Entra ID
// takes GUIDs.
func (s *Simulator) tenantOf(id string) (*tenant, bool) {
	t, ok := s.tenants[strings.ToLower(id)]
	return t, ok
}

func (s *Simulator) isTenant(id string) bool {
	_, ok := s.tenantOf(id)
	return ok
}

// checkTenants refuses tenant lists the simulator cannot serve apart.
func (o Options) checkTenants() error {
	ids := o.TenantIDs()
	if len(ids) > maxTenants {
		return fmt.Errorf("simulator: at most %d tenants, got %d", maxTenants, len(ids))
	}
	if len(o.Tables) > int(tenantReportIDStride/reportIDStride) {
		return fmt.Errorf("simulator: at most %d tables, got %d", tenantReportIDStride/reportIDStride, len(o.Tables))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		key := strings.ToLower(id)
		if id == "" || seen[key] {
			return fmt.Errorf("simulator: tenant %q is empty or given twice", id)
		}
		seen[key] = true
	}
	return nil
}
