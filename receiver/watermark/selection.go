package watermark

import (
	"fmt"
	"strings"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/tables"
)

// IngestionTimeColumn is the column the receiver adds, in ingestion-time mode, holding each row's
// ingestion_time(): the window and the paging follow it, and it stays on the record.
const IngestionTimeColumn = "IngestionTime"

// Selection says how a query's rows are placed in windows: on the query's own datetime column
// (event time), or on the time each row became queryable (ingestion time), which catches rows that
// arrive late whatever their event time.
type Selection struct {
	// TimestampColumn is the event-time column (in event-time mode, the window's column).
	TimestampColumn string
	// IngestionTime selects ingestion-time mode.
	IngestionTime bool
	// OneTable says that the query reads its table's rows and no others (see
	// tables.ReadsOnlyItsTable): only then is Graph's Timespan sent.
	OneTable bool
}

// WindowedOn names the time the windows are cut on, as checkpoints record it: the event-time
// column's name, or ingestion_time().
func (s Selection) WindowedOn() string {
	if s.IngestionTime {
		return "ingestion_time()"
	}
	return s.TimestampColumn
}

// KeyColumn is the column whose value orders the rows and bounds the window.
func (s Selection) KeyColumn() string {
	if s.IngestionTime {
		return IngestionTimeColumn
	}
	return s.TimestampColumn
}

// Apply returns query restricted to the window, ordered on the key column and cut to limit rows. For
// event time it appends
//
//	| where Timestamp > datetime(START) and Timestamp <= datetime(END)
//	| sort by Timestamp asc
//	| take LIMIT
//
// and for ingestion time it first adds `| extend IngestionTime = ingestion_time()` and uses that
// column instead. The stages go on new lines after the user's query, so a trailing `//` comment
// cannot swallow them. Sorting lets a page that reaches limit be resumed exactly after its last
// complete timestamp. A query that refers to the window's bounds (tables.WindowStart and
// WindowEnd, for operators that must run on the window's rows only) gets them declared first:
//
//	let _WindowStart = datetime(START);
//	let _WindowEnd = datetime(END);
func (s Selection) Apply(query string, w Window, limit int) string {
	var b strings.Builder
	if tables.RefersToWindow(query) {
		fmt.Fprintf(&b, "let %s = datetime(%s);\nlet %s = datetime(%s);\n",
			tables.WindowStart, FormatDatetime(w.Start), tables.WindowEnd, FormatDatetime(w.End))
	}
	b.WriteString(query)
	key := s.KeyColumn()
	if s.IngestionTime {
		fmt.Fprintf(&b, "\n| extend %s = ingestion_time()", key)
	}
	fmt.Fprintf(&b, "\n| where %s > datetime(%s) and %s <= datetime(%s)", key, FormatDatetime(w.Start), key, FormatDatetime(w.End))
	fmt.Fprintf(&b, "\n| sort by %s asc\n| take %d", key, limit)
	return b.String()
}

// timespanPadding widens the Timespan hint so that an edge the service rounds or treats as exclusive
// cannot cut rows off.
const timespanPadding = time.Minute

// Timespan is the Graph API's Timespan hint for a page (ISO 8601 "start/end"): the window, padded.
// It is given only where it cannot change which rows come back: in event-time mode on the Timestamp
// column, the Defender tables' time column that a time range applies to, for a query that reads
// only its table. On any other column, or on ingestion time, a range on Timestamp could hide rows
// the query's own filter selects (a late row's Timestamp lies before its window); and Graph applies
// it to every table a query reads, so a join, lookup or subquery would see only that range of the
// other table's rows, where without it (and on the legacy API) they see 30 days.
func (s Selection) Timespan(w Window) string {
	if s.IngestionTime || s.TimestampColumn != "Timestamp" || !s.OneTable {
		return ""
	}
	start := w.Start.Add(-timespanPadding).UTC().Truncate(time.Second)
	end := w.End.Add(timespanPadding).UTC().Truncate(time.Second)
	return start.Format(time.RFC3339) + "/" + end.Format(time.RFC3339)
}
