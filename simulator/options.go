package simulator

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// Options configures a Simulator. The zero value of every field except the
// credentials selects the real service's behaviour, without its failures:
// Faults turns those on.
type Options struct {
	// TenantID, ClientID and ClientSecret describe the one registered app;
	// token requests for other values are refused as Entra ID refuses them.
	// An empty ClientSecret accepts no secret.
	TenantID, ClientID, ClientSecret string
	// MoreTenants are further tenants the app is consented in, as a
	// multi-tenant app registration is: the same ClientID and credentials
	// get a token at each tenant's token endpoint, for that tenant. Each
	// tenant has its own call quota and its own events: the same tables,
	// with ReportIds and drawn values of its own (TenantID's are those of a
	// single-tenant simulator). GroundTruthOf and the ground truth
	// endpoint's tenant parameter tell them apart.
	MoreTenants []string
	// ClientCertificate, when set, also lets the app authenticate with a
	// client_assertion JWT signed with this certificate's RSA key.
	ClientCertificate *x509.Certificate
	// FederatedToken, when set, is a token from an issuer the app trusts
	// through a federated identity credential (workload identity
	// federation): a client_assertion equal to it authenticates the app,
	// as Entra ID accepts a Kubernetes service account's token.
	FederatedToken string
	// Now is the clock deciding which events exist and when tokens expire.
	// Default: time.Now.
	Now func() time.Time
	// TokenLifetime is the lifetime of issued tokens. Default: 1h.
	TokenLifetime time.Duration
	// RowCap cuts responses to this many rows. Default: 100,000.
	RowCap int
	// CacheRows keeps each row's JSON text once written, to write it again as it is (benchmarks:
	// see renderedRows). It holds every row served, so memory grows with them.
	CacheRows bool
	// CallsPerMinute is the per-tenant quota of hunting calls in any sliding
	// minute; calls over it get 429. Default: 45.
	CallsPerMinute int
	// RetryAfter adds a Retry-After header (seconds) to 429 responses; the
	// real service may or may not send one.
	RetryAfter bool
	// Tables are the tables served. Default: DefaultTables(Now()-2h).
	Tables []TableSpec
	// Addr is the listen address. Default: "127.0.0.1:0".
	Addr string

	// Latency is how long after its Timestamp every event is ingested, that
	// is becomes visible to queries. A multiple of 100 ns. Default: 0.
	Latency time.Duration
	// LateShare is the share of events, from 0 to 1 and chosen by hashing
	// each event, that arrive late: they are ingested LateBy after the
	// others, so that a client that queries by Timestamp too soon misses
	// them. LateBy is a multiple of 100 ns.
	LateShare float64
	LateBy    time.Duration

	// Faults are failures injected into hunting and token calls; all are off
	// by default. Seed picks which calls fail: the same seed and the same
	// sequence of calls give the same faults.
	Faults Faults
	Seed   uint64
	// StallFor is how long a Stall fault holds a response. Default: 10s.
	StallFor time.Duration
	// MaxResultBytes is the result size over which a ResultTooLarge fault
	// refuses a query. Default: 124 MB, the service's limit.
	MaxResultBytes int64
	// TimeoutRows makes a query heavy when its page holds more rows than
	// this; a QueryTimeout fault then times it out after TimeoutAfter.
	// Defaults: 50,000 rows and 1s.
	TimeoutRows  int
	TimeoutAfter time.Duration
}

// TableSpec sets how often events of one table happen.
type TableSpec struct {
	// Name is the table name: DeviceProcessEvents, DeviceNetworkEvents or
	// AADSignInEventsBeta.
	Name string
	// Start is the first event's time (rounded down to 100 ns).
	Start time.Time
	// Every is the time between distinct timestamps; a multiple of 100 ns.
	Every time.Duration
	// PerTimestamp is how many events share each timestamp (at least 1).
	PerTimestamp int
	// Count, when positive, ends the table after this many events, so that
	// a burst (say 250,000 events two per millisecond) can be followed by
	// quiet. Default: events never end.
	Count int64
}

// DefaultTables returns the three tables, each starting at start. The
// spacings have seven significant fractional digits so that clients must
// keep datetimes exact to 100 ns, and several events share each timestamp so
// that clients cannot use the timestamp alone as a cursor.
func DefaultTables(start time.Time) []TableSpec {
	return []TableSpec{
		{Name: "DeviceProcessEvents", Start: start, Every: 12345678 * tick, PerTimestamp: 4}, // ~3.2 events/s
		{Name: "DeviceNetworkEvents", Start: start, Every: 3456789 * tick, PerTimestamp: 1},  // ~2.9 events/s
		{Name: "AADSignInEventsBeta", Start: start, Every: 98765432 * tick, PerTimestamp: 2}, // ~0.2 events/s
	}
}

const (
	defaultTokenLifetime  = time.Hour
	defaultRowCap         = 100_000
	defaultCallsPerMinute = 45
	defaultAddr           = "127.0.0.1:0"
	defaultHistory        = 2 * time.Hour
	defaultStallFor       = 10 * time.Second
	defaultMaxResultBytes = 124_000_000
	defaultTimeoutRows    = 50_000
	defaultTimeoutAfter   = time.Second
)

func (o Options) withDefaults() (Options, error) {
	if o.TenantID == "" || o.ClientID == "" {
		return o, errors.New("simulator: TenantID and ClientID are required")
	}
	if o.ClientSecret == "" && o.ClientCertificate == nil && o.FederatedToken == "" {
		return o, errors.New("simulator: a ClientSecret, a ClientCertificate or a FederatedToken is required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = defaultTokenLifetime
	}
	if o.RowCap <= 0 {
		o.RowCap = defaultRowCap
	}
	if o.CallsPerMinute <= 0 {
		o.CallsPerMinute = defaultCallsPerMinute
	}
	if o.Tables == nil {
		o.Tables = DefaultTables(o.Now().Add(-defaultHistory))
	}
	if o.Addr == "" {
		o.Addr = defaultAddr
	}
	if o.StallFor <= 0 {
		o.StallFor = defaultStallFor
	}
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = defaultMaxResultBytes
	}
	if o.TimeoutRows <= 0 {
		o.TimeoutRows = defaultTimeoutRows
	}
	if o.TimeoutAfter <= 0 {
		o.TimeoutAfter = defaultTimeoutAfter
	}
	if err := o.checkTenants(); err != nil {
		return o, err
	}
	if err := o.checkArrival(); err != nil {
		return o, err
	}
	if err := o.Faults.check(); err != nil {
		return o, fmt.Errorf("simulator: %w", err)
	}
	return o, nil
}

// checkArrival refuses ingestion settings that would not keep ingestion
// times whole 100-ns ticks at or after the events' timestamps.
func (o Options) checkArrival() error {
	for _, d := range []struct {
		name  string
		value time.Duration
	}{{"Latency", o.Latency}, {"LateBy", o.LateBy}} {
		if d.value < 0 || d.value%tick != 0 {
			return fmt.Errorf("simulator: %s must be a non-negative multiple of 100ns, got %v", d.name, d.value)
		}
	}
	if !(o.LateShare >= 0 && o.LateShare <= 1) { // also refuses NaN
		return fmt.Errorf("simulator: LateShare must be between 0 and 1, got %v", o.LateShare)
	}
	return nil
}
