package defenderhuntingreceiver

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/tables"
)

// APIs the receiver can call.
const (
	// APIAdvancedHunting is the Defender XDR advanced hunting API
	// (POST {endpoint}/api/advancedhunting/run), being retired.
	APIAdvancedHunting = "advanced_hunting"
	// APIGraph is the Microsoft Graph security API (POST {endpoint}/v1.0/security/runHuntingQuery).
	APIGraph = "graph"
)

// Where a record carries the row's columns (columns_in).
const (
	// ColumnsInAttributes puts the columns on the record's attributes, its body left empty.
	ColumnsInAttributes = "attributes"
	// ColumnsInBody makes the body a map of the columns: the default, which every exporter delivers
	// (splunk_hec sends the body as the event, and drops a record whose body is empty).
	ColumnsInBody = "body"
	// ColumnsInBoth does both: each record then holds its columns twice.
	ColumnsInBoth = "both"
	// ColumnsInJSON makes the body the row's JSON text, as the service wrote it: one string, which
	// exporters pass on without walking a map.
	ColumnsInJSON = "json"
)

// Watermark modes of a query.
const (
	WatermarkTimestampColumn = "timestamp_column"
	WatermarkIngestionTime   = "ingestion_time"
)

const (
	defaultTimeout         = 5 * time.Minute // the service gives up on a query after 3 minutes; leave time for the body
	defaultInterval        = 5 * time.Minute
	defaultLookback        = time.Hour
	defaultIngestionDelay  = 5 * time.Minute
	defaultTimestampColumn = "Timestamp"
	defaultRowCap          = 100000 // the service's documented cap (older pages say 10,000)
	defaultCallsPerMinute  = 45     // the documented per-tenant minimum
	defaultBatchSize       = 5000
	defaultBatchBytes      = 16 << 20 // of row JSON; the records take about twice that

	// maxLookback is how far back advanced hunting keeps data.
	maxLookback = 30 * 24 * time.Hour
	// maxRowCap is the service's documented cap on the rows of one response. A row_cap above it
	// would take a page the service cut off at its cap for a complete one, and skip the rest.
	maxRowCap = 100000
	// minInterval is the shortest interval between two polls of a query: it keeps a typo (1ns, 1us)
	// from spinning the poll loop. Against the service, the call budget (calls_per_minute) spaces
	// the calls anyway, so an interval under a few seconds mostly waits on it; this bound is low
	// enough for tests and demos that poll a local simulator.
	minInterval = 100 * time.Millisecond
)

// Config is the defender_hunting receiver's configuration.
type Config struct {
	// HTTP client settings (endpoint, tls, timeout, proxy_url, headers, auth, ...) used for the API
	// calls and for the token requests. An empty endpoint is the cloud's host for the API. Its `auth`
	// names a collector auth extension that signs the API calls instead of Credentials.
	confighttp.ClientConfig `mapstructure:",squash"`

	// API selects the service: "graph" (the default) or "advanced_hunting" (being retired).
	API string `mapstructure:"api"`

	// Cloud picks the default Entra ID authority and API hosts: commercial, gcc, gcc_high or dod.
	Cloud string `mapstructure:"cloud"`

	// TenantID is the Defender tenant, required whatever signs the calls: checkpoints and the call
	// budget are kept per tenant.
	TenantID string `mapstructure:"tenant_id"`

	// Credentials is the Entra ID identity the receiver signs in as, unless auth names an extension.
	Credentials *CredentialsConfig `mapstructure:"credentials"`

	// Storage names a storage extension (for example file_storage) that keeps each query's watermark
	// across restarts. Without it the watermark lives in memory only.
	Storage *component.ID `mapstructure:"storage"`

	// K8sLeaderElector names a k8s_leader_elector extension: the receiver then polls only while its
	// collector holds the extension's Kubernetes Lease, so that of the collectors sharing the lease
	// (and the storage) one polls and the others stand by. Without it the receiver always polls.
	K8sLeaderElector *component.ID `mapstructure:"k8s_leader_elector"`

	// RowCap is the most rows one call may return, at most the service's own cap (100,000). A page
	// that reaches it is not taken as complete: the receiver resumes right after its last complete
	// timestamp.
	RowCap int `mapstructure:"row_cap"`

	// CallsPerMinute is the tenant's call budget, shared by every query (and every receiver of the
	// tenant in this collector), so that throttling stays the exception.
	CallsPerMinute int `mapstructure:"calls_per_minute"`

	// BatchSize is how many records go to the pipeline at once; memory stays bounded by it rather
	// than by the size of a result. A batch ends where the timestamp changes, so it may run over.
	BatchSize int `mapstructure:"batch_size"`

	// BatchBytes bounds a batch by the bytes of its rows' JSON as well: a batch ends at batch_size
	// records or batch_bytes bytes, whichever comes first (where the timestamp changes).
	BatchBytes int `mapstructure:"batch_bytes"`

	// RetryOnFailure paces the retries of transient failures (5xx, network, cut-off responses,
	// retryable pipeline refusals) within a poll; max_elapsed_time bounds them before the poll gives
	// up until its next interval.
	RetryOnFailure configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// ColumnsIn is where each record carries the row's columns: "body" (a map: the default, which
	// every exporter delivers), "json" (the body is the row's JSON text, one string), "attributes"
	// (the body left empty, which splunk_hec drops) or "both". Both holds them twice, which costs
	// about half as much again per row and twice the storage downstream.
	ColumnsIn string `mapstructure:"columns_in"`

	// SemanticAttributes adds, beside the row, the OpenTelemetry semantic convention attributes
	// its table's columns give (host.name, process.pid, network.peer.address, ...).
	SemanticAttributes bool `mapstructure:"semantic_attributes"`

	Queries []QueryConfig `mapstructure:"queries"`
}

// QueryConfig is one KQL query the receiver runs on its own schedule and watermark.
type QueryConfig struct {
	// Name identifies the query: its checkpoint, its metrics and the records it emits.
	Name  string `mapstructure:"name"`
	Query string `mapstructure:"query"`
	// Interval is the time between two runs of the query; at least 100ms.
	Interval time.Duration `mapstructure:"interval"`
	// TimestampColumn is the datetime column the watermark follows and the records are stamped with.
	TimestampColumn string `mapstructure:"timestamp_column"`
	// Lookback is how far back the first window reaches when there is no checkpoint.
	Lookback time.Duration `mapstructure:"lookback"`
	// IngestionDelay keeps each window this far behind now so that rows still being ingested are
	// picked up by a later window instead of being missed.
	IngestionDelay time.Duration `mapstructure:"ingestion_delay"`
	// Watermark is what the windows follow: "timestamp_column" (event time) or "ingestion_time"
	// (when each row became queryable, which catches rows that arrive late).
	Watermark string `mapstructure:"watermark"`
	// ResourceAttributes are static attributes added to the resource of every record of this query,
	// for routing (for example com.splunk.sourcetype or data_stream.dataset); they override the
	// table's defaults.
	ResourceAttributes map[string]string `mapstructure:"resource_attributes"`
	// Table names the Defender table of the query's rows, for a query that does not start with it
	// (a stored function, a let statement). Empty: the table the query starts with, or for a query
	// over several tables the one each row names in a $table or Type column.
	Table string `mapstructure:"table"`
}

func createDefaultConfig() component.Config {
	http := confighttp.NewDefaultClientConfig()
	http.Timeout = defaultTimeout
	return &Config{
		ClientConfig:   http,
		API:            APIGraph,
		Cloud:          CloudCommercial,
		RowCap:         defaultRowCap,
		CallsPerMinute: defaultCallsPerMinute,
		BatchSize:      defaultBatchSize,
		BatchBytes:     defaultBatchBytes,
		RetryOnFailure: configretry.NewDefaultBackOffConfig(),
		ColumnsIn:      ColumnsInJSON,

		SemanticAttributes: true,
	}
}

func defaultQueryConfig() QueryConfig {
	return QueryConfig{
		Interval:        defaultInterval,
		TimestampColumn: defaultTimestampColumn,
		Lookback:        defaultLookback,
		IngestionDelay:  defaultIngestionDelay,
		Watermark:       WatermarkTimestampColumn,
	}
}

// Unmarshal refuses the keys of the configuration's earlier shape with what to write instead; the
// rest is plain mapstructure.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	if err := refuseMovedKeys(conf); err != nil {
		return err
	}
	return conf.Unmarshal(cfg)
}

// Unmarshal starts each query from the per-query defaults, so that a value the user sets explicitly
// (even to zero) is validated as written.
func (q *QueryConfig) Unmarshal(conf *confmap.Conf) error {
	*q = defaultQueryConfig()
	return conf.Unmarshal(q)
}

var (
	// Query names become storage keys and metric attributes: keep them plain.
	queryNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	// The timestamp column is written into KQL: only a plain Kusto identifier is accepted.
	kustoIdentifierPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate checks the configuration; every error names the key (and query) at fault.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.API != APIAdvancedHunting && cfg.API != APIGraph {
		errs = append(errs, fmt.Errorf("api: unknown api %q (supported: %q, %q)", cfg.API, APIAdvancedHunting, APIGraph))
	}
	if _, ok := clouds[cfg.Cloud]; !ok {
		errs = append(errs, fmt.Errorf("cloud: unknown cloud %q (supported: %s)", cfg.Cloud, cloudNames()))
	}
	if cfg.Endpoint != "" {
		if err := validateHTTPSURL(cfg.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoint: %w", err))
		}
	}
	if cfg.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout: must be > 0: without one a stalled server holds the query's poll forever (the service gives up on a query after 3 minutes; the default is %s), got %s", defaultTimeout, cfg.Timeout))
	}
	if cfg.TenantID == "" {
		errs = append(errs, errors.New("tenant_id: required (the Defender tenant: checkpoints and the call budget are kept per tenant)"))
	}
	errs = append(errs, cfg.validateSignIn()...)
	switch {
	case cfg.RowCap <= 0:
		errs = append(errs, fmt.Errorf("row_cap: must be > 0, got %d", cfg.RowCap))
	case cfg.RowCap > maxRowCap:
		errs = append(errs, fmt.Errorf("row_cap: must be at most %d, the service's cap on the rows of one response: above it, a page the service cut off at %d rows would be taken as complete and the rest of its window skipped, got %d", maxRowCap, maxRowCap, cfg.RowCap))
	}
	if cfg.CallsPerMinute <= 0 {
		errs = append(errs, fmt.Errorf("calls_per_minute: must be > 0, got %d", cfg.CallsPerMinute))
	}
	if cfg.BatchSize <= 0 {
		errs = append(errs, fmt.Errorf("batch_size: must be > 0, got %d", cfg.BatchSize))
	}
	if cfg.BatchBytes <= 0 {
		errs = append(errs, fmt.Errorf("batch_bytes: must be > 0, got %d", cfg.BatchBytes))
	}
	switch cfg.ColumnsIn {
	case ColumnsInAttributes, ColumnsInBody, ColumnsInBoth, ColumnsInJSON:
	default:
		errs = append(errs, fmt.Errorf("columns_in: must be %q, %q, %q or %q, got %q",
			ColumnsInBody, ColumnsInJSON, ColumnsInAttributes, ColumnsInBoth, cfg.ColumnsIn))
	}
	if len(cfg.Queries) == 0 {
		errs = append(errs, errors.New("queries: at least one query is required"))
	}
	seen := make(map[string]int, len(cfg.Queries))
	for i, q := range cfg.Queries {
		if first, dup := seen[q.Name]; dup && q.Name != "" {
			errs = append(errs, fmt.Errorf("queries[%d] (%q): name: duplicate of queries[%d]", i, q.Name, first))
		}
		seen[q.Name] = i
		for _, err := range q.validate() {
			errs = append(errs, fmt.Errorf("queries[%d] (%q): %w", i, q.Name, err))
		}
	}
	return errors.Join(errs...)
}

// validateSignIn checks that exactly one of credentials and auth says how the calls are signed.
func (cfg *Config) validateSignIn() []error {
	hasExtension := cfg.Auth.HasValue()
	switch {
	case cfg.Credentials == nil && !hasExtension:
		return []error{errors.New("credentials: required: set credentials (an Entra ID application or identity) or auth.authenticator (a collector auth extension)")}
	case cfg.Credentials != nil && hasExtension:
		return []error{errors.New("credentials and auth are both set; set only one: credentials for the receiver's own Entra ID sign-in, or auth.authenticator for an auth extension")}
	case hasExtension:
		if cfg.Auth.Get().AuthenticatorID == (component.ID{}) {
			return []error{errors.New("auth.authenticator: required (the id of an auth extension, e.g. oauth2client)")}
		}
		return nil
	default:
		return cfg.Credentials.validate()
	}
}

func (q QueryConfig) validate() []error {
	var errs []error
	if !queryNamePattern.MatchString(q.Name) {
		errs = append(errs, errors.New("name: required, letters, digits, '_', '.' and '-' only"))
	}
	if q.Query == "" {
		errs = append(errs, errors.New("query: must not be empty"))
	}
	if op := tables.RowPicker(q.Query); op != "" {
		errs = append(errs, fmt.Errorf("query: %q picks or aggregates rows before the window the receiver appends, over all the data "+
			"the service keeps, so most windows would get none of its rows: filter on the window first "+
			"(| where %s > %s and %s <= %s) or leave it out", "| "+op, q.TimestampColumn, tables.WindowStart, q.TimestampColumn, tables.WindowEnd))
	}
	switch {
	case q.Interval <= 0:
		errs = append(errs, fmt.Errorf("interval: must be > 0, got %s", q.Interval))
	case q.Interval < minInterval:
		errs = append(errs, fmt.Errorf("interval: must be at least %s (the time between two polls; calls_per_minute spaces the calls to the service anyway), got %s", minInterval, q.Interval))
	}
	if !kustoIdentifierPattern.MatchString(q.TimestampColumn) {
		errs = append(errs, fmt.Errorf("timestamp_column: %q is not a plain column name", q.TimestampColumn))
	}
	if q.Lookback <= 0 || q.Lookback > maxLookback {
		errs = append(errs, fmt.Errorf("lookback: must be > 0 and at most 30 days (%s), got %s", maxLookback, q.Lookback))
	}
	if q.Watermark != WatermarkTimestampColumn && q.Watermark != WatermarkIngestionTime {
		errs = append(errs, fmt.Errorf("watermark: must be %q or %q, got %q", WatermarkTimestampColumn, WatermarkIngestionTime, q.Watermark))
	}
	if q.Table != "" && !kustoIdentifierPattern.MatchString(q.Table) {
		errs = append(errs, fmt.Errorf("table: %q is not a plain table name", q.Table))
	}
	if q.IngestionDelay < 0 || q.IngestionDelay >= maxLookback {
		errs = append(errs, fmt.Errorf("ingestion_delay: must be >= 0 and under 30 days, got %s", q.IngestionDelay))
	}
	return errs
}

func validateHTTPSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q must be an https:// URL", raw)
	}
	return nil
}
