package simulator

import (
	"cmp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Late events of the edge tests arrive exactly edgeLateSlots slots late, so
// that their ingestion times equal those of on-time events of a later slot:
// ties between the two arrival classes, not only within a slot.
const (
	edgePerTimestamp = 4
	edgeLateSlots    = 5
)

var edgeEvery = 1234567 * tick

func edgeSimulator(t *testing.T) *Simulator {
	t.Helper()
	return newStoppedSimulator(t, Options{
		Now: func() time.Time { return testNow }, Latency: 3 * tick, LateShare: 0.3, LateBy: edgeLateSlots * edgeEvery,
		Tables: []TableSpec{{Name: "DeviceProcessEvents", Start: testNow.Add(-2 * time.Minute), Every: edgeEvery, PerTimestamp: edgePerTimestamp}},
	})
}

// oracle returns the events of the first table of s visible at testNow that
// keep allows, sorted by key then index, in reverse when descending: what
// the scan must produce without generating and sorting everything.
func oracle(s *Simulator, keep func(event) bool, key func(event) time.Time, descending bool) []event {
	t := s.tables["DeviceProcessEvents"]
	var all []event
	for k := int64(0); ; k++ {
		e := t.event(k)
		if e.time.After(testNow) {
			break
		}
		if !e.ingested.After(testNow) && keep(e) {
			all = append(all, e)
		}
	}
	slices.SortFunc(all, func(a, b event) int {
		c := cmp.Or(key(a).Compare(key(b)), cmp.Compare(a.index, b.index))
		if descending {
			return -c
		}
		return c
	})
	return all
}

func ingestionTime(e event) time.Time { return e.ingested }
func eventTime(e event) time.Time     { return e.time }

// TestIngestionWindowsAreExact runs the receiver's query shapes with bounds
// on and one tick off the times of events that share their time with
// others, and compares with an oracle.
func TestIngestionWindowsAreExact(t *testing.T) {
	s := edgeSimulator(t)
	// A slot whose first event is late: its ingestion time is also that of
	// the on-time events edgeLateSlots slots later.
	table := s.tables["DeviceProcessEvents"]
	var tie event
	for k := int64(2000); ; k += edgePerTimestamp {
		if tie = table.event(k); tie.ingested.Sub(tie.time) != 3*tick {
			break
		}
	}
	at := tie.ingested
	classes := map[time.Duration]int{}
	for _, e := range oracle(s, func(e event) bool { return e.ingested.Equal(at) }, ingestionTime, false) {
		classes[e.ingested.Sub(e.time)]++
	}
	if len(classes) != 2 {
		t.Fatalf("events ingested at %v by delay: %v; want late and on-time ones", at, classes)
	}
	between := func(lo, hi time.Time, of func(event) time.Time) func(event) bool {
		return func(e event) bool { return of(e).After(lo) && !of(e).After(hi) }
	}
	byIngestion := func(lo, hi time.Time, order string, take int) string {
		return "DeviceProcessEvents\n| extend IngestionTime = ingestion_time()\n| where IngestionTime > " + dt(lo) + " and IngestionTime <= " + dt(hi) +
			"\n| sort by IngestionTime " + order + "\n| take " + strconv.Itoa(take)
	}
	byTimestamp := func(lo, hi time.Time, order string, take int) string {
		return "DeviceProcessEvents | where InitiatingProcessFileName =~ \"powershell.exe\"\n| where Timestamp > " + dt(lo) + " and Timestamp <= " + dt(hi) +
			"\n| sort by Timestamp " + order + "\n| take " + strconv.Itoa(take)
	}
	powershell, _ := table.column("InitiatingProcessFileName")
	isPowershell := func(e event) bool { return powershell.value(e) == "powershell.exe" }
	tests := []struct {
		name       string
		query      string
		keep       func(event) bool
		key        func(event) time.Time
		descending bool
		take       int
	}{
		{"ingestion: lower bound excludes the ties", byIngestion(at, at.Add(time.Second), "asc", 1_000_000), between(at, at.Add(time.Second), ingestionTime), ingestionTime, false, 1_000_000},
		{"ingestion: upper bound includes the ties", byIngestion(at.Add(-time.Second), at, "asc", 1_000_000), between(at.Add(-time.Second), at, ingestionTime), ingestionTime, false, 1_000_000},
		{"ingestion: one tick earlier", byIngestion(at.Add(-tick), at.Add(time.Second-tick), "asc", 1_000_000), between(at.Add(-tick), at.Add(time.Second-tick), ingestionTime), ingestionTime, false, 1_000_000},
		{"ingestion: one tick later", byIngestion(at.Add(tick), at.Add(time.Second+tick), "asc", 1_000_000), between(at.Add(tick), at.Add(time.Second+tick), ingestionTime), ingestionTime, false, 1_000_000},
		{"ingestion: only the ties", byIngestion(at.Add(-tick), at, "asc", 1_000_000), between(at.Add(-tick), at, ingestionTime), ingestionTime, false, 1_000_000},
		{"ingestion: take cuts the ties", byIngestion(at.Add(-time.Second), at.Add(time.Second), "asc", 0), between(at.Add(-time.Second), at.Add(time.Second), ingestionTime), ingestionTime, false, -2},
		{"ingestion: descending", byIngestion(at.Add(-time.Second), at.Add(time.Second), "desc", 37), between(at.Add(-time.Second), at.Add(time.Second), ingestionTime), ingestionTime, true, 37},
		{"ingestion: up to now", byIngestion(testNow.Add(-time.Minute), testNow, "asc", 1_000_000), between(testNow.Add(-time.Minute), testNow, ingestionTime), ingestionTime, false, 1_000_000},
		{"timestamp: ties at both bounds", byTimestamp(tie.time, tie.time.Add(10*edgeEvery), "asc", 1_000_000), func(e event) bool {
			return isPowershell(e) && between(tie.time, tie.time.Add(10*edgeEvery), eventTime)(e)
		}, eventTime, false, 1_000_000},
		{"timestamp: late events not yet ingested are missing", byTimestamp(testNow.Add(-time.Minute), testNow, "asc", 1_000_000), func(e event) bool {
			return isPowershell(e) && between(testNow.Add(-time.Minute), testNow, eventTime)(e)
		}, eventTime, false, 1_000_000},
		{"timestamp: take 5 descending", byTimestamp(testNow.Add(-time.Minute), testNow, "desc", 5), func(e event) bool {
			return isPowershell(e) && between(testNow.Add(-time.Minute), testNow, eventTime)(e)
		}, eventTime, true, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := oracle(s, tt.keep, tt.key, tt.descending)
			query, take := tt.query, tt.take
			if take < 0 { // all but the last -take of the ties
				take += slices.IndexFunc(want, func(e event) bool { return e.ingested.After(at) })
				query = byIngestion(at.Add(-time.Second), at.Add(time.Second), "asc", take)
			}
			want = want[:min(len(want), take)]
			got := queryAt(t, s, query)
			if len(want) == 0 || !slices.Equal(reportIDs(got), reportIDs(want)) {
				t.Errorf("got %d rows %v..., want %d %v...", len(got), head(reportIDs(got)), len(want), head(reportIDs(want)))
			}
		})
	}
}

func TestExtendIngestionTime(t *testing.T) {
	s := edgeSimulator(t)
	table := s.tables["DeviceProcessEvents"]
	before := slices.Clone(table.columns)
	tests := []struct {
		name   string
		query  string
		schema []schemaColumn // the last columns of the schema, or the first
		first  bool
		check  func(t *testing.T, events []event, columns []column)
	}{
		{
			name: "appended, typed as the table types Timestamp", query: "DeviceProcessEvents | extend IngestionTime = ingestion_time() | take 3",
			schema: []schemaColumn{{"AdditionalFields", "Object"}, {"IngestionTime", "DateTime"}},
			check: func(t *testing.T, events []event, columns []column) {
				for _, e := range events {
					if got := columns[len(columns)-1].value(e); got != e.ingested {
						t.Errorf("IngestionTime %v, want %v", got, e.ingested)
					}
				}
			},
		},
		{
			name: "projected", query: "DeviceProcessEvents | extend Ingested = ingestion_time() | project ReportId, Ingested | take 1",
			schema: []schemaColumn{{"ReportId", "Int64"}, {"Ingested", "DateTime"}},
		},
		{
			name: "replaces a column in place", query: "DeviceProcessEvents | extend Timestamp = ingestion_time() | sort by Timestamp asc | take 100",
			schema: []schemaColumn{{"Timestamp", "DateTime"}, {"DeviceId", "String"}}, first: true,
			check: func(t *testing.T, events []event, columns []column) {
				if columns[0].role != ingestionTimeColumn || len(columns) != len(before) {
					t.Errorf("columns %d, first %s is %v", len(columns), columns[0].name, columns[0].role)
				}
				if !slices.IsSortedFunc(events, func(a, b event) int { return a.ingested.Compare(b.ingested) }) {
					t.Error("not sorted by ingestion time")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parseQuery(tt.query, testNow)
			if err != nil {
				t.Fatal(err)
			}
			p, err := compileQuery(q, s.tables)
			if err != nil {
				t.Fatal(err)
			}
			var schema []schemaColumn
			for _, c := range p.columns {
				schema = append(schema, schemaColumn{c.name, c.typeName})
			}
			if tt.first {
				schema = schema[:len(tt.schema)]
			} else {
				schema = schema[len(schema)-len(tt.schema):]
			}
			if !slices.Equal(schema, tt.schema) {
				t.Errorf("schema ends %v, want %v", schema, tt.schema)
			}
			if tt.check != nil {
				tt.check(t, slices.Collect(p.run(testNow)), p.columns)
			}
		})
	}
	if !slices.EqualFunc(table.columns, before, func(a, b column) bool { return a.name == b.name && a.role == b.role }) {
		t.Error("extend changed the table's columns")
	}
}
