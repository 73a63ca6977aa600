package poller

import (
	"cmp"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

const (
	// minPageSpan is the narrowest time span a timed-out page is cut to; below it, a timeout is
	// retried as a transient failure.
	minPageSpan = time.Second
	// minPageRows is the fewest rows a page too large is cut to.
	minPageRows = 100
)

// narrowing is how far pages are cut down after the service could not answer a page: a page that
// timed out covers half the time span next, a page whose result was too large asks for half the
// rows. It lasts until a poll reaches its window's end.
//
// Fewer rows than the row cap must not cost rows of one tick (100 ns) that more rows share than a
// narrowed page holds: such a tick is asked for alone, up to its end, at the full row cap (and at
// half of that only if that is too large in turn).
type narrowing struct {
	span time.Duration // 0: up to the window's end
	rows int           // 0: the configured row cap
	// tick is a key whose rows filled a narrowed page: the pages up to it end at it. tickRows is
	// their row limit: 0 for the row cap.
	tick     time.Time
	tickRows int
}

// page returns the next page after from, up to end, and its row limit.
func (n narrowing) page(from, end time.Time, maxRows int) (watermark.Window, int) {
	page := watermark.Window{Start: from, End: end}
	if n.span > 0 && from.Add(n.span).Before(end) {
		page.End = from.Add(n.span).Truncate(watermark.Tick)
	}
	limit := maxRows
	if n.rows > 0 && n.rows < maxRows {
		limit = n.rows
	}
	if n.tick.After(from) {
		page.End = minTime(page.End, n.tick)
		limit = cmp.Or(n.tickRows, maxRows)
	}
	return page, limit
}

// askTickAlone makes the next pages end at tick, at the full row cap.
func (n *narrowing) askTickAlone(tick time.Time) {
	n.tick, n.tickRows = tick, 0
}

// narrow cuts the pages after page (asked with limit) failed with class. It returns false when they
// cannot be cut any further.
func (n *narrowing) narrow(page watermark.Window, limit int, class failure) bool {
	if class == failureTooLarge {
		if limit <= minPageRows {
			return false
		}
		if page.End.Equal(n.tick) {
			n.tickRows = max(limit/2, minPageRows)
		} else {
			n.rows = max(limit/2, minPageRows)
		}
		return true
	}
	span := page.End.Sub(page.Start)
	if span <= minPageSpan {
		return false
	}
	n.span = max(span/2, minPageSpan)
	return true
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
