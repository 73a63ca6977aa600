package simulator

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// dataRetention is how far back advanced hunting data reach.
const dataRetention = 30 * 24 * time.Hour

// reportIDStride separates the ReportIds of tables so that they are unique
// across tables: table i numbers its events from i*reportIDStride.
const reportIDStride = 1_000_000_000_000

// event is one row of a table before any column is computed.
type event struct {
	index    int64 // k: the event's position in its table
	reportID int64
	time     time.Time
	ingested time.Time // when the event became visible to queries
	seed     rowSeed
}

// valueFunc computes one column of an event; nil means a null value.
type valueFunc func(e event) any

type column struct {
	name     string
	typeName string // as the response's Schema reports it
	kind     kind
	// boolAsNumber prints a bool as 0 or 1: Kusto clients that report a bool
	// column as SByte send its values that way.
	boolAsNumber bool
	// role tells the query planner that the column is the event time or the
	// ingestion time, whose conditions and orderings the scan takes over.
	role  columnRole
	value valueFunc
}

// col declares a column. Table definitions are fixed in this package, so a bad
// type name is a programming error found by the tests.
func col(name, typeName string, value valueFunc) column {
	k, err := kindOfTypeName(typeName)
	if err != nil {
		panic(err)
	}
	return column{name: name, typeName: typeName, kind: k, boolAsNumber: strings.EqualFold(typeName, "SByte"), value: value}
}

// tableDefinitions lists the tables the simulator can serve and their columns.
var tableDefinitions = map[string]func() []column{
	"DeviceProcessEvents": deviceProcessEventsColumns,
	"DeviceNetworkEvents": deviceNetworkEventsColumns,
	"AADSignInEventsBeta": aadSignInEventsBetaColumns,
}

// table serves the events of one TableSpec. Event k has the timestamp
// Start + (k / PerTimestamp) * Every; events are grouped in "slots" of
// PerTimestamp events that share a timestamp.
type table struct {
	spec         TableSpec
	arrival      arrival
	reportIDBase int64
	seedBase     uint64 // the table's part of its rows' seeds
	columns      []column
	columnIndex  map[string]int
	startTicks   int64
	everyTicks   int64
}

func newTable(spec TableSpec, position int, arrival arrival) (*table, error) {
	define, ok := tableDefinitions[spec.Name]
	if !ok {
		return nil, fmt.Errorf("table %q: unknown, the simulator knows %s", spec.Name, strings.Join(slices.Sorted(maps.Keys(tableDefinitions)), ", "))
	}
	if spec.Every <= 0 || spec.Every%tick != 0 {
		return nil, fmt.Errorf("table %q: Every must be a positive multiple of 100ns, got %v", spec.Name, spec.Every)
	}
	if spec.PerTimestamp < 1 {
		return nil, fmt.Errorf("table %q: PerTimestamp must be at least 1, got %d", spec.Name, spec.PerTimestamp)
	}
	if spec.Count < 0 {
		return nil, fmt.Errorf("table %q: Count must not be negative, got %d", spec.Name, spec.Count)
	}
	spec.Start = spec.Start.UTC().Truncate(tick)
	t := &table{
		spec:         spec,
		arrival:      arrival,
		reportIDBase: int64(position) * reportIDStride,
		seedBase:     saltOf(spec.Name),
		columns:      define(),
		columnIndex:  map[string]int{},
		startTicks:   ticksOf(spec.Start),
		everyTicks:   int64(spec.Every / tick),
	}
	for i, c := range t.columns {
		t.columnIndex[c.name] = i
		if c.name == timeColumn {
			t.columns[i].role = eventTimeColumn
		}
	}
	return t, nil
}

func (t *table) column(name string) (column, bool) {
	i, ok := t.columnIndex[name]
	if !ok {
		return column{}, false
	}
	return t.columns[i], true
}

func (t *table) event(k int64) event {
	seed := newRowSeed(t.seedBase, k)
	return t.newEvent(k, seed, t.arrival.isLate(seed))
}

// newEvent is event for a caller that already knows the seed and whether
// the event is late.
func (t *table) newEvent(k int64, seed rowSeed, late bool) event {
	at := t.startTicks + k/int64(t.spec.PerTimestamp)*t.everyTicks
	return event{
		index:    k,
		reportID: t.reportIDBase + k,
		time:     timeOfTicks(at),
		ingested: timeOfTicks(at + t.arrival.delay(late)),
		seed:     seed,
	}
}
