package simulator

import (
	"bufio"
	"net/http"
	"time"
)

// huntingAPI is one of the two endpoints that answer hunting queries. They
// share the token check, the per-tenant quota, the query language, the
// faults and the served log, as the service behind both is one; they differ
// in what a request may hold, how results are laid out and how errors are
// wrapped.
type huntingAPI int

const (
	legacyAPI huntingAPI = iota // POST /api/advancedhunting/run
	graphAPI                    // POST /v1.0/security/runHuntingQuery
)

// calls is the endpoint's counter of calls by status.
func (api huntingAPI) calls(c *Counters) map[int]int {
	if api == graphAPI {
		return c.GraphCalls
	}
	return c.HuntingCalls
}

// writeFailure sends f in the endpoint's error envelope.
func (api huntingAPI) writeFailure(w http.ResponseWriter, f *huntingFailure, now time.Time) {
	if api == graphAPI {
		writeGraphFailure(w, f, now)
		return
	}
	writeHuntingFailure(w, f)
}

// resultsContentType is the Content-Type of a 200.
func (api huntingAPI) resultsContentType() string {
	if api == graphAPI {
		return graphResultsContentType
	}
	return "application/json; charset=utf-8"
}

// writeResultsHead writes a 200 body up to the opening bracket of its rows.
func (api huntingAPI) writeResultsHead(out *bufio.Writer, encoder *rowEncoder, rows int, elapsed time.Duration) error {
	if api == graphAPI {
		return writeGraphResultsHead(out, encoder)
	}
	return writeLegacyResultsHead(out, encoder, rows, elapsed)
}
