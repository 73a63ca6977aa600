package simulator

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
)

// timeColumn is the column every table's events are ordered by.
const timeColumn = "Timestamp"

// plan is a query bound to a table, ready to run lazily.
type plan struct {
	table   *table
	columns []column // the response's schema, in order
	// scan is what is pushed down into the table scan: the time conditions
	// that precede any take narrow the scan (they stay filters too), and
	// an order by Timestamp or by ingestion time becomes the scan's order,
	// so that a five-minute window never generates thirty days of rows and
	// sort + take never sorts.
	scan   scanSpec
	stages []func(iter.Seq[event]) iter.Seq[event]
}

// compileQuery binds q to one of tables.
func compileQuery(q *query, tables map[string]*table) (*plan, error) {
	t, ok := tables[q.table.text]
	if !ok {
		return nil, &queryError{fmt.Sprintf("Failed to resolve table or column expression named '%s'", q.table.text)}
	}
	p := &plan{table: t, columns: t.columns, scan: fullScan}
	// inScanOrder is true while rows still come in the scan's order and
	// unlimited, so that conditions and ordering can be pushed down.
	inScanOrder := true
	for _, s := range q.stages {
		visible := columnsByName(p.columns)
		name := s.operator().text
		switch s := s.(type) {
		case whereStage:
			keep, err := compileCondition(s.condition, visible, name)
			if err != nil {
				return nil, err
			}
			if inScanOrder {
				p.scan.timestamps = p.scan.timestamps.intersect(timeBounds(s.condition, visible, eventTimeColumn))
				p.scan.ingested = p.scan.ingested.intersect(timeBounds(s.condition, visible, ingestionTimeColumn))
			}
			p.stages = append(p.stages, filterStage(keep))
		case projectStage:
			var projected []column
			for _, name := range s.columns {
				col, err := resolveColumn(name, visible, "project")
				if err != nil {
					return nil, err
				}
				projected = append(projected, col)
			}
			p.columns = projected
		case extendStage:
			p.columns = withColumn(p.columns, ingestionTimeColumnNamed(s.column.text, t))
		case takeStage:
			p.stages = append(p.stages, limitStage(s.count))
			inScanOrder = false
		case sortStage:
			var keys []column
			for _, key := range s.keys {
				col, err := resolveColumn(key.column, visible, name)
				if err != nil {
					return nil, err
				}
				keys = append(keys, col)
			}
			if order, ok := scanOrderOf(keys); ok && inScanOrder {
				p.scan.order, p.scan.descending = order, s.keys[0].descending
				continue
			}
			p.stages = append(p.stages, orderStage(keys, s.keys))
			inScanOrder = false
		}
	}
	return p, nil
}

func columnsByName(columns []column) map[string]column {
	byName := make(map[string]column, len(columns))
	for _, c := range columns {
		byName[c.name] = c
	}
	return byName
}

// withColumn returns columns with c added at the end or, when a column has
// its name, in that column's place, as extend does. columns is not
// modified: it may be the table's.
func withColumn(columns []column, c column) []column {
	out := slices.Clone(columns)
	if i := slices.IndexFunc(out, func(old column) bool { return old.name == c.name }); i >= 0 {
		out[i] = c
		return out
	}
	return append(out, c)
}

// ingestionTimeColumnNamed is the column "extend name = ingestion_time()"
// adds. Its type is spelled as the table spells its Timestamp's.
func ingestionTimeColumnNamed(name string, t *table) column {
	timestamp, _ := t.column(timeColumn) // every table has one
	return column{
		name: name, typeName: timestamp.typeName, kind: kindDatetime, role: ingestionTimeColumn,
		value: func(e event) any { return e.ingested },
	}
}

// run yields the query's rows as of now.
func (p *plan) run(now time.Time) iter.Seq[event] {
	rows := p.table.scan(p.scan, now)
	for _, stage := range p.stages {
		rows = stage(rows)
	}
	return rows
}

func filterStage(keep predicate) func(iter.Seq[event]) iter.Seq[event] {
	return func(rows iter.Seq[event]) iter.Seq[event] {
		return func(yield func(event) bool) {
			for e := range rows {
				if keep(e) && !yield(e) {
					return
				}
			}
		}
	}
}

func limitStage(n int64) func(iter.Seq[event]) iter.Seq[event] {
	return func(rows iter.Seq[event]) iter.Seq[event] {
		return func(yield func(event) bool) {
			if n <= 0 {
				return
			}
			taken := int64(0)
			for e := range rows {
				taken++
				if !yield(e) || taken >= n {
					return
				}
			}
		}
	}
}

// orderStage sorts all rows it receives. Nulls sort lowest, so they come
// first ascending and last descending, as in Kusto.
func orderStage(keys []column, order []sortKey) func(iter.Seq[event]) iter.Seq[event] {
	type keyed struct {
		e      event
		values []any
	}
	return func(rows iter.Seq[event]) iter.Seq[event] {
		return func(yield func(event) bool) {
			var all []keyed
			for e := range rows {
				values := make([]any, len(keys))
				for i, key := range keys {
					values[i] = key.value(e)
				}
				all = append(all, keyed{e, values})
			}
			slices.SortStableFunc(all, func(a, b keyed) int {
				for i, key := range keys {
					c := compareValues(key.kind, a.values[i], b.values[i])
					if order[i].descending {
						c = -c
					}
					if c != 0 {
						return c
					}
				}
				return 0
			})
			for _, row := range all {
				if !yield(row.e) {
					return
				}
			}
		}
	}
}

func compareValues(k kind, a, b any) int {
	switch {
	case a == nil || b == nil:
		return cmp.Compare(boolRank(a != nil), boolRank(b != nil))
	case k.isText():
		return strings.Compare(textOf(a), textOf(b))
	case k == kindDatetime:
		return cmp.Compare(ticksOf(a.(time.Time)), ticksOf(b.(time.Time)))
	case k == kindTimespan:
		return cmp.Compare(a.(time.Duration), b.(time.Duration))
	case k == kindBool:
		return cmp.Compare(boolRank(a.(bool)), boolRank(b.(bool)))
	case k == kindLong:
		return cmp.Compare(a.(int64), b.(int64))
	}
	return cmp.Compare(numberOf(a), numberOf(b))
}
