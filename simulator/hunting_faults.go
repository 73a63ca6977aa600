package simulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// gatewayPages are the statuses and titles of the HTML pages the gateway in
// front of the legacy API sends when it cannot reach the service, and the
// codes of the JSON errors Graph's gateway sends instead.
var gatewayPages = map[faultKind]struct {
	status    int
	title     string
	graphCode string
}{
	faultStatus502:         {http.StatusBadGateway, "502 Bad Gateway", "BadGateway"},
	faultStatus503:         {http.StatusServiceUnavailable, "503 Service Temporarily Unavailable", "ServiceUnavailable"},
	faultGatewayTimeout504: {http.StatusGatewayTimeout, "504 Gateway Time-out", "GatewayTimeout"},
}

// injectGatewayFault answers for the gateway, before the service sees the
// call, if fault is a gateway's: it reports whether it answered. Such calls
// do not count against the quota.
func (s *Simulator) injectGatewayFault(w http.ResponseWriter, api huntingAPI, fault faultKind, now time.Time) bool {
	page, isPage := gatewayPages[fault]
	if !isPage && fault != faultResetConnection {
		return false
	}
	// Counted first: a client may look at the counters as soon as it has
	// its answer.
	s.counters.update(func(c *Counters) {
		c.Faults[fault.String()]++
		api.calls(c)[page.status]++ // 0, no status, for a dropped connection
	})
	switch {
	case !isPage:
		resetConnection(w)
	case api == graphAPI:
		writeGraphFailure(w, &huntingFailure{status: page.status, code: page.graphCode, message: page.title}, now)
	default:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(page.status)
		fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%[1]s</h1></center>\r\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n", page.title)
	}
	return true
}

// Messages of the service's failures, as reported from the field and in the
// advanced hunting documentation.
const (
	preemptedMessage      = "Query execution has exceeded the allowed limits. The query execution was preempted. This could possibly be due to high CPU and/or memory resource consumption. Optimize your query by following best practices and try again."
	resultTooLargeMessage = "Query execution has exceeded the allowed result size. Optimize your query by limiting the number of results and try again."
	queryTimeoutMessage   = "Query exceeded the timeout period."
)

// cpuCycle is how often the service renews a tenant's CPU allocation.
const cpuCycle = 15 * time.Minute

// injectedRetryAfter is the Retry-After of an injected CallQuota: the call
// was within the quota, so a short wait is enough.
const injectedRetryAfter = 2 * time.Second

// serviceFault returns the failure the service answers a well-formed query
// with when fault hits it, or nil for a fault that is not the service's.
func (s *Simulator) serviceFault(fault faultKind, now time.Time) *huntingFailure {
	var f *huntingFailure
	switch fault {
	case faultStatus500: // Graph's answer, empty message included
		f = &huntingFailure{status: http.StatusInternalServerError, code: "UnknownError"}
	case faultPreempted:
		f = &huntingFailure{status: http.StatusBadRequest, code: "BadRequest", message: preemptedMessage}
	case faultCPUQuota:
		wait := now.Truncate(cpuCycle).Add(cpuCycle).Sub(now).Round(time.Second)
		f = &huntingFailure{status: http.StatusTooManyRequests, code: "TooManyRequests", message: fmt.Sprintf(
			"Tenant exceeded the allocated CPU resources: you have exceeded processing resources allocated to this tenant. You can run queries again in %s, at the start of the next %d minute cycle.",
			formatTimespan(wait), int(cpuCycle.Minutes()))}
	case faultCallQuota:
		f = &huntingFailure{status: http.StatusTooManyRequests, code: "TooManyRequests", message: s.quota.describe()}
		if s.opts.RetryAfter {
			f.retryAfter = injectedRetryAfter
		}
	default:
		return nil
	}
	s.counters.update(func(c *Counters) { c.Faults[fault.String()]++ })
	return f
}

// refuseHeavy returns the failure of a query whose page of rows is too
// much for the service, if a conditional fault hits call: a page of more
// than TimeoutRows rows times out (after a while, as a heavy query does,
// with the 504 Graph answers heavy queries with), and a result estimated
// over MaxResultBytes is refused.
func (s *Simulator) refuseHeavy(ctx context.Context, call int64, columns []column, rows []event) *huntingFailure {
	switch {
	case len(rows) > s.opts.TimeoutRows && s.draws.hits(faultQueryTimeout, call):
		s.counters.update(func(c *Counters) { c.Faults[faultQueryTimeout.String()]++ })
		_ = s.wait(ctx, s.opts.TimeoutAfter) // the answer is the same however the wait ends
		return &huntingFailure{status: http.StatusGatewayTimeout, code: "UnknownError", message: queryTimeoutMessage}
	case s.draws.hits(faultResultTooLarge, call) && estimateResultBytes(columns, rows) > s.opts.MaxResultBytes:
		s.counters.update(func(c *Counters) { c.Faults[faultResultTooLarge.String()]++ })
		return &huntingFailure{status: http.StatusBadRequest, code: "BadRequest", message: resultTooLargeMessage}
	}
	return nil
}

// errCutOff ends a body that a CutOffBody fault cut off. Like any error
// that ends a body, it makes the handler abort the response: over HTTP/1.1
// the server closes the connection without ending the body, over HTTP/2 it
// resets the call's stream.
var errCutOff = errors.New("body cut off")

// bodyBreakFor returns how fault interrupts a 200 body of rows, or nil if
// it does not. The break comes after half the rows, in the middle of a row.
func (s *Simulator) bodyBreakFor(fault faultKind, r *http.Request, rows int) *bodyBreak {
	var pause func() error
	switch fault {
	case faultCutOffBody:
		pause = func() error { return errCutOff }
	case faultStall:
		pause = func() error { return s.wait(r.Context(), s.opts.StallFor) }
	default:
		return nil
	}
	s.counters.update(func(c *Counters) { c.Faults[fault.String()]++ })
	return &bodyBreak{afterRows: rows / 2, pause: pause}
}

// errClosed ends a wait because the simulator is closing.
var errClosed = errors.New("simulator closed")

// wait sleeps for d unless the client goes away or the simulator closes
// first, so that a stalled handler never holds Close up.
func (s *Simulator) wait(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stopped:
		return errClosed
	}
}
