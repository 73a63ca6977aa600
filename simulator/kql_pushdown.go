package simulator

import "time"

// columnRole marks the columns whose conditions and orderings a table scan
// can take over from the query.
type columnRole int

const (
	plainColumn         columnRole = iota
	eventTimeColumn                // the table's Timestamp
	ingestionTimeColumn            // added by extend ... = ingestion_time()
)

// timeBounds returns the range of values of the column with role that c
// allows, from its comparisons of such a column with a datetime joined by
// and; anything else allows all times. Columns are looked up in visible, so
// that a name means what it means at the condition's stage.
func timeBounds(c condition, visible map[string]column, role columnRole) tickRange {
	switch c := c.(type) {
	case logicalCondition:
		if c.and {
			return timeBounds(c.left, visible, role).intersect(timeBounds(c.right, visible, role))
		}
	case comparison:
		if visible[c.column.text].role != role || len(c.values) != 1 || c.values[0].kind != kindDatetime {
			break
		}
		at := ticksOf(c.values[0].value.(time.Time))
		switch c.operator.text {
		case ">":
			return tickRange{at + 1, allTime.hi}
		case ">=":
			return tickRange{at, allTime.hi}
		case "<":
			return tickRange{allTime.lo, at - 1}
		case "<=":
			return tickRange{allTime.lo, at}
		case "==":
			return tickRange{at, at}
		}
	}
	return allTime
}

// scanOrderOf returns the scan order that sorting by keys amounts to, if
// any: a single key that is the event time or the ingestion time.
func scanOrderOf(keys []column) (scanOrder, bool) {
	if len(keys) != 1 {
		return 0, false
	}
	switch keys[0].role {
	case eventTimeColumn:
		return byTimestamp, true
	case ingestionTimeColumn:
		return byIngestion, true
	}
	return 0, false
}
