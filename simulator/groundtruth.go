package simulator

import (
	"net/http"
	"time"
)

// Event identifies one event of a table.
type Event struct {
	ReportID      int64     `json:"ReportId"`
	Timestamp     time.Time `json:"Timestamp"`
	IngestionTime time.Time `json:"IngestionTime"`
	Table         string    `json:"Table"`
}

// GroundTruth returns, in time order, every event of table with
// from < Timestamp <= to that exists now: a client that polled the window
// perfectly delivered exactly these. Events not yet ingested (see
// Options.Latency and LateShare) or older than the 30-day data window do
// not exist. An unknown table has no events.
func (s *Simulator) GroundTruth(table string, from, to time.Time) []Event {
	return s.GroundTruthIngestedBy(table, from, to, s.now())
}

// GroundTruthIngestedBy is GroundTruth restricted to the events ingested by
// ingestedBy: what a client could have seen of the window had it last
// queried at ingestedBy. Events are never ingested after now, so a later
// ingestedBy is now.
func (s *Simulator) GroundTruthIngestedBy(table string, from, to, ingestedBy time.Time) []Event {
	return groundTruth(s.tables, table, from, to, ingestedBy, s.now())
}

// GroundTruthOf is GroundTruth for the events of one of the tenants (see
// Options.MoreTenants). An unknown tenant has no events.
func (s *Simulator) GroundTruthOf(tenant, table string, from, to time.Time) []Event {
	t, ok := s.tenantOf(tenant)
	if !ok {
		return nil
	}
	now := s.now()
	return groundTruth(t.tables, table, from, to, now, now)
}

func groundTruth(tables map[string]*table, table string, from, to, ingestedBy, now time.Time) []Event {
	t, ok := tables[table]
	if !ok {
		return nil
	}
	// Timestamps are whole ticks, so "after from" is "at least one tick
	// after from rounded down", and "at most to" is "at most to rounded down".
	spec := fullScan
	spec.timestamps = tickRange{ticksOf(from) + 1, ticksOf(to)}
	spec.ingested = tickRange{allTime.lo, ticksOf(ingestedBy)}
	// Room for the events that happened by now saves growing a slice of
	// hundreds of thousands of events step by step.
	first, last, _ := t.indexRange(spec.timestamps.intersect(tickRange{allTime.lo, ticksOf(now)}))
	events := make([]Event, 0, max(0, last-first+1))
	for e := range t.scan(spec, now) {
		events = append(events, Event{ReportID: e.reportID, Timestamp: e.time, IngestionTime: e.ingested, Table: table})
	}
	return events
}

// GroundTruthReport is the JSON answer of GET /simulator/groundtruth.
type GroundTruthReport struct {
	Tenant    string    `json:"tenant"`
	Table     string    `json:"table"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	ReportIDs []int64   `json:"reportIds"`
}

// handleGroundTruth serves GroundTruthOf over HTTP for tools that run the
// simulator in another process: GET /simulator/groundtruth?table=T&from=
// RFC3339&to=RFC3339&tenant=ID. from defaults to the beginning of time, to
// to now, tenant to the first (Options.TenantID).
func (s *Simulator) handleGroundTruth(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	report := GroundTruthReport{Tenant: query.Get("tenant"), Table: query.Get("table"), To: s.now(), ReportIDs: []int64{}}
	if report.Tenant == "" {
		report.Tenant = s.opts.TenantID
	}
	tenant, ok := s.tenantOf(report.Tenant)
	if !ok {
		http.Error(w, "unknown tenant "+report.Tenant, http.StatusNotFound)
		return
	}
	if _, ok := tenant.tables[report.Table]; !ok {
		http.Error(w, "unknown table "+report.Table, http.StatusNotFound)
		return
	}
	for name, into := range map[string]*time.Time{"from": &report.From, "to": &report.To} {
		if text := query.Get(name); text != "" {
			parsed, err := time.Parse(time.RFC3339Nano, text)
			if err != nil {
				http.Error(w, name+": "+err.Error(), http.StatusBadRequest)
				return
			}
			*into = parsed
		}
	}
	for _, e := range s.GroundTruthOf(report.Tenant, report.Table, report.From, report.To) {
		report.ReportIDs = append(report.ReportIDs, e.ReportID)
	}
	writeJSON(w, http.StatusOK, report)
}
