package simulator

import (
	"cmp"
	"iter"
	"math"
	"time"
)

// tickRange is an inclusive range of times in ticks.
type tickRange struct{ lo, hi int64 }

var allTime = tickRange{math.MinInt64, math.MaxInt64}

func (r tickRange) intersect(o tickRange) tickRange {
	return tickRange{max(r.lo, o.lo), min(r.hi, o.hi)}
}

// earlier moves r back by d >= 0 ticks; an unbounded end stays unbounded
// rather than wrapping around.
func (r tickRange) earlier(d int64) tickRange {
	if r.lo != allTime.lo {
		r.lo -= d
	}
	if r.hi != allTime.hi {
		r.hi -= d
	}
	return r
}

// scanOrder is the column a scan yields events in the order of.
type scanOrder int

const (
	byTimestamp scanOrder = iota
	byIngestion
)

// scanSpec is what a query plan pushes down into a table scan: the
// timestamps and ingestion times its conditions allow, and its order.
type scanSpec struct {
	timestamps, ingested tickRange
	order                scanOrder
	descending           bool
}

var fullScan = scanSpec{timestamps: allTime, ingested: allTime}

// scan yields the events that spec allows and that are visible at now:
// ingested by now and not older than the data retention. Only the events
// in range are generated, and they come out in spec's order without being
// sorted, so that a page of a large window costs the page, not the window.
// Ties (identical times) come in index order, reversed when descending.
func (t *table) scan(spec scanSpec, now time.Time) iter.Seq[event] {
	nowTicks := ticksOf(now)
	timestamps := spec.timestamps.intersect(tickRange{nowTicks - int64(dataRetention/tick), allTime.hi})
	ingested := spec.ingested.intersect(tickRange{allTime.lo, nowTicks})
	return func(yield func(event) bool) {
		var cursors []*classCursor
		for _, late := range t.arrival.classes() {
			// Ingested in range means timestamps in range moved back by the delay.
			r := timestamps.intersect(ingested.earlier(t.arrival.delay(late)))
			cursors = append(cursors, t.cursor(late, r, spec.descending))
		}
		for {
			var first *classCursor
			for _, c := range cursors {
				if c.ok && (first == nil || spec.precedes(c.head, first.head)) {
					first = c
				}
			}
			if first == nil || !yield(first.head) {
				return
			}
			first.advance()
		}
	}
}

// precedes reports whether a comes before b in the scan's order.
func (spec scanSpec) precedes(a, b event) bool {
	c := cmp.Compare(a.index, b.index)
	if spec.order == byIngestion {
		if byTime := a.ingested.Compare(b.ingested); byTime != 0 {
			c = byTime
		}
	}
	if spec.descending {
		return c > 0
	}
	return c < 0
}

// classCursor walks the events of one arrival class (on time or late) whose
// timestamps are in a range, in index order or its reverse. Within a class
// index order is both timestamp and ingestion order.
type classCursor struct {
	t               *table
	late            bool
	next, end, step int64 // the next index to look at; end is past the last
	head            event // the next event, when ok
	ok              bool
}

func (t *table) cursor(late bool, r tickRange, descending bool) *classCursor {
	c := &classCursor{t: t, late: late, step: 1}
	if first, last, ok := t.indexRange(r); ok {
		c.next, c.end = first, last+1
		if descending {
			c.next, c.end, c.step = last, first-1, -1
		}
	}
	c.advance()
	return c
}

func (c *classCursor) advance() {
	for ; c.next != c.end; c.next += c.step {
		seed := newRowSeed(c.t.seedBase, c.next)
		if c.t.arrival.isLate(seed) == c.late {
			c.head, c.ok = c.t.newEvent(c.next, seed, c.late), true
			c.next += c.step
			return
		}
	}
	c.ok = false
}

// indexRange returns the indexes of the events whose timestamps are in r.
func (t *table) indexRange(r tickRange) (first, last int64, ok bool) {
	if r.lo > r.hi {
		return 0, 0, false
	}
	firstSlot := max(0, ceilDiv(r.lo-t.startTicks, t.everyTicks))
	lastSlot := floorDiv(r.hi-t.startTicks, t.everyTicks)
	per := int64(t.spec.PerTimestamp)
	first, last = firstSlot*per, (lastSlot+1)*per-1
	if t.spec.Count > 0 {
		last = min(last, t.spec.Count-1)
	}
	return first, last, first <= last
}
