package simulator

import (
	"slices"
	"sync"
)

// ServedPage is one hunting call whose 200 body was sent whole: the events
// it held, whatever columns the query kept. Bodies that were cut off,
// stalled until the client left, or broken by a write error are not pages:
// the client cannot have read their rows.
type ServedPage struct {
	Call      int64 // the hunting call's sequence number, from 1
	ReportIDs []int64
}

// servedLog is the ground truth of what was served, so that a test can tell
// an event the simulator served twice (the client asked twice, say after a
// retry) from one the client delivered twice.
type servedLog struct {
	mu    sync.Mutex
	pages []ServedPage
}

func (l *servedLog) record(call int64, rows []event) {
	ids := make([]int64, len(rows))
	for i, e := range rows {
		ids[i] = e.reportID
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pages = append(l.pages, ServedPage{Call: call, ReportIDs: ids})
}

// ServedPages returns the complete 200 responses so far, in the order they
// were finished.
func (s *Simulator) ServedPages() []ServedPage {
	s.served.mu.Lock()
	defer s.served.mu.Unlock()
	pages := slices.Clone(s.served.pages)
	for i := range pages {
		pages[i].ReportIDs = slices.Clone(pages[i].ReportIDs)
	}
	return pages
}

// Served counts, for each ReportId, the complete 200 responses that held
// it: 2 means the client was sent the event twice.
func (s *Simulator) Served() map[int64]int {
	s.served.mu.Lock()
	defer s.served.mu.Unlock()
	served := map[int64]int{}
	for _, page := range s.served.pages {
		for _, id := range page.ReportIDs {
			served[id]++
		}
	}
	return served
}
