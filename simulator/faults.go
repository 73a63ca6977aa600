package simulator

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Faults are the probabilities, from 0 to 1, of failures that the real
// service and its gateway have been seen to produce, so that a client's
// retries, timeouts and window narrowing can be tested. Which calls fail
// is decided by Options.Seed and the calls' sequence numbers (see
// faultDraws), so a run can be repeated.
//
// A *Faults is a flag.Value: "Status500=0.1,CutOffBody=0.05".
type Faults struct {
	// Each hunting call gets at most one of these, so together they must not
	// exceed 1.

	// Status500 is 500 UnknownError with an empty message, as Graph sends.
	Status500 float64
	// Status502, Status503 and GatewayTimeout504 come from the gateway in
	// front of the API, with an HTML body.
	Status502, Status503, GatewayTimeout504 float64
	// ResetConnection resets the TCP connection without a response.
	ResetConnection float64
	// Preempted is 400 BadRequest "... query execution was preempted ...":
	// retryable although it is a 4xx.
	Preempted float64
	// CPUQuota is 429: the tenant's CPU allocation is spent until the next
	// 15-minute cycle, which the message names; no Retry-After.
	CPUQuota float64
	// CallQuota is 429 "API calls quota exceeded!" although the call is
	// within the quota, with Retry-After when Options.RetryAfter.
	CallQuota float64
	// CutOffBody is a 200 whose body stops in the middle of Results; the
	// connection is then closed.
	CutOffBody float64
	// Stall is a 200 whose body stops in the middle of Results for
	// Options.StallFor, then goes on.
	Stall float64

	// These apply only to calls that meet a condition; 1 is what the
	// service does.

	// ResultTooLarge refuses a result estimated to exceed
	// Options.MaxResultBytes with 400, as the service does.
	ResultTooLarge float64
	// QueryTimeout answers a heavy query, one whose page would hold more
	// than Options.TimeoutRows rows, with the service's timeout error after
	// Options.TimeoutAfter.
	QueryTimeout float64

	// TokenEndpoint503 applies to token requests: 503, as in an Entra ID
	// outage.
	TokenEndpoint503 float64
}

// faultKind names one kind of fault; faultNames spells it as its Faults
// field, which is also how Counters.Faults and the flag name it.
type faultKind int

const (
	faultStatus500 faultKind = iota
	faultStatus502
	faultStatus503
	faultGatewayTimeout504
	faultResetConnection
	faultPreempted
	faultCPUQuota
	faultCallQuota
	faultCutOffBody
	faultStall
	faultResultTooLarge
	faultQueryTimeout
	faultTokenEndpoint503
	faultKinds // the number of kinds
)

var faultNames = [faultKinds]string{
	"Status500", "Status502", "Status503", "GatewayTimeout504", "ResetConnection", "Preempted",
	"CPUQuota", "CallQuota", "CutOffBody", "Stall", "ResultTooLarge", "QueryTimeout", "TokenEndpoint503",
}

func (k faultKind) String() string { return faultNames[k] }

// perCallFaults are the faults of which a hunting call gets at most one.
var perCallFaults = []faultKind{
	faultStatus500, faultStatus502, faultStatus503, faultGatewayTimeout504, faultResetConnection,
	faultPreempted, faultCPUQuota, faultCallQuota, faultCutOffBody, faultStall,
}

// field returns the probability of k.
func (f *Faults) field(k faultKind) *float64 {
	return [faultKinds]*float64{
		&f.Status500, &f.Status502, &f.Status503, &f.GatewayTimeout504, &f.ResetConnection, &f.Preempted,
		&f.CPUQuota, &f.CallQuota, &f.CutOffBody, &f.Stall, &f.ResultTooLarge, &f.QueryTimeout, &f.TokenEndpoint503,
	}[k]
}

func (f *Faults) check() error {
	perCall := 0.0
	for k := range faultKinds {
		p := *f.field(k)
		if !(p >= 0 && p <= 1) { // also refuses NaN
			return fmt.Errorf("fault %s: probability must be between 0 and 1, got %v", k, p)
		}
	}
	for _, k := range perCallFaults {
		perCall += *f.field(k)
	}
	if perCall > 1 {
		return fmt.Errorf("faults %v: a call gets at most one of them, so their probabilities must add up to at most 1, got %v", perCallFaults, perCall)
	}
	return nil
}

// Set reads a comma-separated list of Name=probability pairs, Name being a
// field of Faults in any letter case, into f. Faults it does not name keep
// their value, so that the flag can be given several times.
func (f *Faults) Set(list string) error {
	for pair := range strings.SplitSeq(list, ",") {
		name, text, found := strings.Cut(strings.TrimSpace(pair), "=")
		if !found {
			return fmt.Errorf("fault %q: want Name=probability", pair)
		}
		k, ok := faultNamed(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("unknown fault %q; known: %s", name, strings.Join(faultNames[:], ", "))
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
			return fmt.Errorf("fault %s: probability must be a number between 0 and 1, got %q", k, text)
		}
		*f.field(k) = p
	}
	return nil
}

func faultNamed(name string) (faultKind, bool) {
	for k, known := range faultNames {
		if strings.EqualFold(name, known) {
			return faultKind(k), true
		}
	}
	return 0, false
}

// String lists the faults that are on, in the form Set reads.
func (f *Faults) String() string {
	var on []string
	for k := range faultKinds {
		if p := *f.field(k); p > 0 {
			on = append(on, k.String()+"="+strconv.FormatFloat(p, 'g', -1, 64))
		}
	}
	return strings.Join(on, ",")
}
