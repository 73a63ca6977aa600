package simulator

import (
	"encoding/json"
	"io"
	"iter"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRequestBody bounds the request body; queries are short.
const maxRequestBody = 1 << 20

// huntingFailure is an error answer of the hunting API, in the legacy
// endpoint's terms; Graph wraps it in its own envelope.
type huntingFailure struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration // for 429; zero means no Retry-After header
}

// huntingErrorBody is the legacy endpoint's error JSON.
type huntingErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Target  string `json:"target"`
	} `json:"error"`
}

func writeHuntingFailure(w http.ResponseWriter, f *huntingFailure) {
	var body huntingErrorBody
	body.Error.Code, body.Error.Message, body.Error.Target = f.code, f.message, randomGUIDText()
	setFailureHeaders(w, f)
	writeJSON(w, f.status, body)
}

// setFailureHeaders adds the headers both endpoints send with f.
func setFailureHeaders(w http.ResponseWriter, f *huntingFailure) {
	if f.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds()))))
	}
}

// huntingHandler serves api's endpoint: POST /api/advancedhunting/run or
// POST /v1.0/security/runHuntingQuery.
func (s *Simulator) huntingHandler(api huntingAPI) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.handleHunting(w, r, api) }
}

// handleHunting answers a hunting call. One reading of the clock serves the
// whole request, so that ago() and the events that exist agree. Faults are
// injected where the real failures arise: the gateway's before the service
// checks the call, the service's once the query is known to be valid, and
// broken bodies while the rows are sent.
func (s *Simulator) handleHunting(w http.ResponseWriter, r *http.Request, api huntingAPI) {
	release, ok := s.track()
	if !ok {
		panic(http.ErrAbortHandler) // closing: no response, as a stopped server
	}
	defer release()
	started, now := time.Now(), s.now()
	if api == graphAPI {
		setGraphRequestIDs(w, r)
	}
	call := s.calls.Add(1)
	fault, faulty := s.draws.forCall(call)
	if faulty && s.injectGatewayFault(w, api, fault, now) {
		return
	}
	p, failure := s.prepareQuery(r, api, now)
	if failure == nil && faulty {
		failure = s.serviceFault(fault, now)
	}
	var rows []event
	if failure == nil {
		rows = collectRows(p.run(now), s.opts.RowCap)
		failure = s.refuseHeavy(r.Context(), call, p.columns, rows)
	}
	if failure != nil {
		s.counters.update(func(c *Counters) { api.calls(c)[failure.status]++ })
		api.writeFailure(w, failure, now)
		return
	}
	var brk *bodyBreak
	if faulty {
		brk = s.bodyBreakFor(fault, r, len(rows))
	}
	// Counted before the body: a client that sees it break off may look at
	// the counters at once. The end of a whole body, though, is only sent
	// once the handler has returned, after the bookkeeping below.
	s.counters.update(func(c *Counters) { api.calls(c)[http.StatusOK]++ })
	if err := writeResults(w, api, p.columns, rows, time.Since(started), brk, s.rendered.of(api, p)); err != nil {
		// The body was cut off, a stall ended with the client or the
		// simulator going away, or a write failed: the server must not
		// end the response as if it were whole.
		panic(http.ErrAbortHandler)
	}
	s.served.record(call, rows)
	s.counters.update(func(c *Counters) { c.RowsServed += int64(len(rows)) })
}

// prepareQuery checks the request in the order a gateway in front of the
// query engine would: token, quota, body, then the query itself. A Graph
// Timespan narrows the table before the query sees it.
func (s *Simulator) prepareQuery(r *http.Request, api huntingAPI, now time.Time) (*plan, *huntingFailure) {
	tenant, failure := s.authorize(r, now)
	if failure != nil {
		return nil, failure
	}
	s.counters.update(func(c *Counters) { c.TenantCalls[tenant.id]++ })
	if failure := s.admit(tenant.id, now); failure != nil {
		return nil, failure
	}
	req, failure := readRequest(r, api, now)
	if failure != nil {
		return nil, failure
	}
	p, failure := s.planQuery(req.query, now, tenant.tables)
	if failure != nil {
		return nil, failure
	}
	p.scan.timestamps = p.scan.timestamps.intersect(req.timestamps)
	return p, nil
}

// authorize returns the tenant the call's token was issued for.
func (s *Simulator) authorize(r *http.Request, now time.Time) (*tenant, *huntingFailure) {
	unauthorized := func(message string) *huntingFailure {
		return &huntingFailure{status: http.StatusUnauthorized, code: "Unauthorized", message: message}
	}
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, unauthorized("Authorization header is missing or is not a bearer token.")
	}
	issued, known := s.tokens.lookup(token)
	switch {
	case !known:
		return nil, unauthorized("The access token is invalid.")
	case !now.Before(issued.expires):
		return nil, unauthorized("The access token has expired.")
	}
	t, _ := s.tenantOf(issued.tenant) // tokens are only issued for served tenants
	return t, nil
}

func (s *Simulator) admit(tenant string, now time.Time) *huntingFailure {
	ok, retryAfter := s.quota.admit(tenant, now)
	if ok {
		return nil
	}
	if !s.opts.RetryAfter {
		retryAfter = 0
	}
	return &huntingFailure{status: http.StatusTooManyRequests, code: "TooManyRequests", message: s.quota.describe(), retryAfter: retryAfter}
}

// huntingRequest is what a call asks for.
type huntingRequest struct {
	query string
	// timestamps are those a Graph Timespan allows; all on the legacy API.
	timestamps tickRange
}

// readRequest returns the body's "Query" and, on Graph, its "Timespan". The
// names are case-sensitive, as documented. Any body without a usable query
// gets "Missing query.", and so does a query with Windows line endings:
// that is what has been reported from the real service.
func readRequest(r *http.Request, api huntingAPI, now time.Time) (huntingRequest, *huntingFailure) {
	missing := &huntingFailure{status: http.StatusBadRequest, code: "InvalidRequestBody", message: "Missing query."}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody)).Decode(&body); err != nil {
		return huntingRequest{}, missing
	}
	req := huntingRequest{timestamps: allTime}
	if err := json.Unmarshal(body["Query"], &req.query); err != nil || strings.TrimSpace(req.query) == "" || strings.Contains(req.query, "\r\n") {
		return huntingRequest{}, missing
	}
	if api == graphAPI {
		var failure *huntingFailure
		if req.timestamps, failure = readTimespan(body["Timespan"], now); failure != nil {
			return huntingRequest{}, failure
		}
	}
	return req, nil
}

func (s *Simulator) planQuery(text string, now time.Time, tables map[string]*table) (*plan, *huntingFailure) {
	q, err := parseQuery(text, now)
	var p *plan
	if err == nil {
		p, err = compileQuery(q, tables)
	}
	if err != nil { // a syntax or binding error, worded as Kusto words it
		return nil, &huntingFailure{status: http.StatusBadRequest, code: "BadRequest", message: err.Error()}
	}
	return p, nil
}

// collectRows takes at most limit rows. Only row identities are kept; column
// values are computed as the response is written.
func collectRows(rows iter.Seq[event], limit int) []event {
	var out []event
	for e := range rows {
		out = append(out, e)
		if len(out) >= limit {
			break
		}
	}
	return out
}
