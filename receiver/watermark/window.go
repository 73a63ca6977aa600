// Package watermark decides which time window each query asks for next and keeps each query's
// watermark (the end of the last window whose rows the pipeline accepted) in a storage extension.
package watermark

import (
	"time"
)

// Tick is Kusto's datetime resolution. Window edges are cut to it so that the edge written into
// the query is exactly the edge the receiver remembers: no row at an edge is asked for twice or
// skipped.
const Tick = 100 * time.Nanosecond

// Retention is how far back advanced hunting keeps data.
const Retention = 30 * 24 * time.Hour

// kustoDatetimeLayout prints all 7 fractional digits (100 ns), as the service does.
const kustoDatetimeLayout = "2006-01-02T15:04:05.0000000Z"

// Policy is a query's windowing settings.
type Policy struct {
	// Lookback is where the first window starts, back from now, when there is no watermark.
	Lookback time.Duration
	// IngestionDelay keeps the window's end this far behind now, for rows that are still arriving.
	IngestionDelay time.Duration
}

// Window is the half-open time range (Start, End] of one query run.
type Window struct {
	Start, End time.Time
	// Clamped is true when the watermark was older than the service's retention and Start was moved
	// up to it: rows between the watermark and Start can no longer be fetched.
	Clamped bool
}

// Initial is the watermark of a query that has none stored: Lookback before now. The poller keeps it
// until the first window is committed, so a first window that fails is asked for again from the same
// start rather than from a start that slides forward with the clock.
func (p Policy) Initial(now time.Time) time.Time {
	return now.Add(-p.Lookback).UTC().Truncate(Tick)
}

// Next returns the window that follows watermark at time now, and false when there is nothing to ask
// for yet (the window would be empty).
func (p Policy) Next(watermark, now time.Time) (Window, bool) {
	w := Window{Start: watermark, End: now.Add(-p.IngestionDelay).UTC().Truncate(Tick)}
	// Leave a minute of margin so that the oldest edge is still inside retention when the query runs.
	if oldest := now.Add(-Retention + time.Minute).UTC().Truncate(Tick); w.Start.Before(oldest) {
		w.Start, w.Clamped = oldest, true
	}
	return w, w.End.After(w.Start)
}

// FormatDatetime prints t in UTC with 100-ns precision, as a Kusto datetime literal's content.
func FormatDatetime(t time.Time) string {
	return t.UTC().Format(kustoDatetimeLayout)
}
