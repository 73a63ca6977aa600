package defenderhuntingreceiver

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/callbudget"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/entraid"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/poller"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/redirect"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/tables"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

// huntingReceiver runs one poller per configured query, in terms: from Start to Shutdown without a
// leader elector, otherwise while its collector leads (see leadership.go).
type huntingReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Logs
	obsReport *receiverhelper.ObsReport
	telemetry *metadata.TelemetryBuilder

	// Set by Start, read by the terms it starts.
	storageExt storage.Extension // nil without storage
	runner     *huntingapi.Client
	status     *statusTracker
	budget     *callbudget.Lease

	// mu orders the starts and ends of terms (leadership callbacks) and Shutdown.
	mu         sync.Mutex
	shutDown   bool
	cancelTerm context.CancelFunc // nil while no term runs
	term       sync.WaitGroup
}

func newHuntingReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*huntingReceiver, error) {
	obsReport, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "https",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	telemetry, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &huntingReceiver{cfg: cfg, settings: set, next: next, obsReport: obsReport, telemetry: telemetry}, nil
}

// Start finds the extensions the receiver names and prepares the HTTP client and credential, then
// starts polling, or leaves that to the leader elector. It does not touch the network or the
// storage: the pollers make the first token and query requests, and each term opens its storage
// client.
func (r *huntingReceiver) Start(ctx context.Context, host component.Host) error {
	storageExt, err := r.storageExtension(host)
	if err != nil {
		return err
	}
	elector, err := r.leaderElector(host)
	if err != nil {
		return err
	}
	runner, err := r.newAPIClient(ctx, host)
	if err != nil {
		return err
	}

	r.warnAtStart()
	r.storageExt, r.runner = storageExt, runner
	r.status = newStatusTracker(host)
	r.budget = callbudget.Acquire(r.cfg.TenantID, r.cfg.CallsPerMinute)
	if elector == nil {
		r.startTerm(context.Background())
		return nil
	}
	r.followLeadership(elector)
	return nil
}

// runTerm polls every query until ctx ends: it opens the storage, starts one poller per query,
// which loads its checkpoint afresh (another collector may have moved it since the last term),
// and closes the storage once they have all returned.
func (r *huntingReceiver) runTerm(ctx context.Context) {
	client, ok := r.awaitStorageClient(ctx)
	if !ok {
		return
	}
	defer func() {
		if err := client.Close(context.WithoutCancel(ctx)); err != nil {
			r.settings.Logger.Warn("Closing the storage client failed", zap.Error(err))
		}
	}()
	store := watermark.NewStore(client, r.cfg.TenantID)
	var pollers sync.WaitGroup
	for _, q := range r.cfg.Queries {
		p := poller.New(pollerQuery(q), poller.Settings{
			Tenant:              r.cfg.TenantID,
			ColumnsInAttributes: r.cfg.ColumnsIn == ColumnsInAttributes || r.cfg.ColumnsIn == ColumnsInBoth,
			ColumnsInBody:       r.cfg.ColumnsIn != ColumnsInAttributes,
			ColumnsAsJSON:       r.cfg.ColumnsIn == ColumnsInJSON,
			SemanticAttributes:  r.cfg.SemanticAttributes,
			MaxRows:             r.cfg.RowCap,
			BatchSize:           r.cfg.BatchSize,
			BatchBytes:          r.cfg.BatchBytes,
			Retry:               r.cfg.RetryOnFailure,
			Budget:              r.budget.Budget,
			Runner:              r.runner,
			Store:               store,
			Consumer:            r.next,
			Logger:              r.settings.Logger,
			Telemetry:           r.telemetry,
			ObsReport:           r.obsReport,
			ReportStatus:        r.status.report,
			Now:                 time.Now,
		})
		pollers.Add(1) // before the goroutine starts, so that Wait cannot miss it
		go func() {
			defer pollers.Done()
			p.Run(ctx)
		}()
	}
	pollers.Wait()
}

// warnAtStart logs, once, the settings that work but risk what a user would not want.
func (r *huntingReceiver) warnAtStart() {
	if r.cfg.API == APIAdvancedHunting {
		r.settings.Logger.Warn(advancedHuntingRetirement)
	}
	if r.cfg.K8sLeaderElector != nil && r.cfg.Storage == nil {
		r.settings.Logger.Warn("k8s_leader_elector without storage: the watermarks live in memory only, so each time a collector " +
			"gains the lease its queries start again from lookback, delivering again what was delivered before; " +
			"keep the checkpoints in a storage the collectors share")
	}
	for _, q := range r.cfg.Queries {
		if q.Watermark == WatermarkIngestionTime && q.IngestionDelay < minSafeIngestionDelay {
			r.settings.Logger.Warn("ingestion_delay is short for watermark: ingestion_time: ingestion_time() is approximate, "+
				"and rows that become queryable together can carry earlier ingestion times than a window already committed; "+
				"they are missed unless the window stays behind now for longer (the default is 5m)",
				zap.String("query", q.Name), zap.Duration("ingestion_delay", q.IngestionDelay), zap.Duration("safe_minimum", minSafeIngestionDelay))
		}
	}
}

// pollerQuery is what the poller of q needs to know of it.
func pollerQuery(q QueryConfig) poller.Query {
	table := cmp.Or(q.Table, tables.FromQuery(q.Query))
	return poller.Query{
		Name:     q.Name,
		Text:     q.Query,
		Interval: q.Interval,
		Policy:   watermark.Policy{Lookback: q.Lookback, IngestionDelay: q.IngestionDelay},
		Selection: watermark.Selection{
			TimestampColumn: q.TimestampColumn,
			IngestionTime:   q.Watermark == WatermarkIngestionTime,
			OneTable:        tables.ReadsOnlyItsTable(q.Query),
		},
		ResourceAttributes: routing(table, q.ResourceAttributes),
		Table:              table,
	}
}

// routing is a query's resource attributes: the Elastic data stream and Splunk sourcetype of its
// table, when it has one, under what the query sets itself.
func routing(table string, configured map[string]string) map[string]string {
	attributes := map[string]string{}
	if table != "" {
		attributes["data_stream.dataset"] = tables.Dataset(table)
		attributes["com.splunk.sourcetype"] = tables.SourceType(table)
	}
	maps.Copy(attributes, configured)
	return attributes
}

// storageExtension is the storage extension that storage names, or nil without one.
func (r *huntingReceiver) storageExtension(host component.Host) (storage.Extension, error) {
	return namedExtension[storage.Extension](host, "storage", r.cfg.Storage, "a storage extension")
}

// namedExtension is the extension id names, of the kind T, for the setting key; nil when id is.
func namedExtension[T any](host component.Host, key string, id *component.ID, kind string) (T, error) {
	var none T
	if id == nil {
		return none, nil
	}
	ext, ok := host.GetExtensions()[*id]
	if !ok {
		return none, fmt.Errorf("%s: extension %q not found (add it under service::extensions)", key, id)
	}
	typed, ok := ext.(T)
	if !ok {
		return none, fmt.Errorf("%s: extension %q is not %s (it is a %T)", key, id, kind, ext)
	}
	return typed, nil
}

// minSafeIngestionDelay is the shortest ingestion_delay that the receiver does not warn about in
// ingestion_time mode: ingestion_time() is approximate, to well under a minute.
const minSafeIngestionDelay = time.Minute

// advancedHuntingRetirement is logged once at start by a receiver on the legacy API.
const advancedHuntingRetirement = "api: advanced_hunting is the legacy Defender XDR API, which Microsoft began retiring in January 2026; " +
	"once retired it no longer answers. To move: grant the app ThreatHunting.Read.All on Microsoft Graph, " +
	"remove `api` (graph is the default) and any endpoint on api.security.microsoft.com, and restart: " +
	"checkpoints carry over, with no gap and no repeat."

// newAPIClient builds the API client: the configured HTTP client, signed by the auth extension that
// `auth` names (confighttp does that) or with a bearer token from Entra ID on every call. Token
// requests use the same HTTP client, without the bearer layer.
func (r *huntingReceiver) newAPIClient(ctx context.Context, host component.Host) (*huntingapi.Client, error) {
	api := huntingapi.AdvancedHunting
	if r.cfg.API == APIGraph {
		api = huntingapi.Graph
	}
	httpClient, err := r.cfg.ToClient(ctx, host.GetExtensions(), r.settings.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("building the HTTP client: %w", err)
	}
	// Every request carries a credential: none may follow a redirect to another host or to http.
	httpClient.CheckRedirect = redirect.SameHostHTTPS
	if r.cfg.Credentials == nil {
		return huntingapi.NewClient(httpClient, r.cfg.endpoint(), api), nil
	}

	credential, err := entraid.NewCredential(r.cfg.entraSettings(), httpClient)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	apiHTTP := *httpClient
	apiHTTP.Transport = entraid.NewTransport(credential, r.cfg.scope(), httpClient.Transport)
	return huntingapi.NewClient(&apiHTTP, r.cfg.endpoint(), api), nil
}

// entraSettings is the one kind of credential that cfg.Credentials sets, for entraid.
func (cfg *Config) entraSettings() entraid.Settings {
	c := cfg.Credentials
	s := entraid.Settings{TenantID: cfg.TenantID, Authority: cfg.authority(), UseDefault: c.UseDefault}
	switch {
	case c.ServicePrincipal != nil:
		sp := c.ServicePrincipal
		s.ClientID, s.ClientSecret = sp.ClientID, string(sp.ClientSecret)
		s.CertificateFile, s.CertificatePassword = sp.ClientCertificatePath, string(sp.ClientCertificatePassword)
	case c.WorkloadIdentity != nil:
		s.ClientID, s.FederatedTokenFile = c.WorkloadIdentity.ClientID, c.WorkloadIdentity.FederatedTokenFile
	case c.ManagedIdentity != nil:
		s.ClientID, s.ManagedIdentity = c.ManagedIdentity.ClientID, true
	}
	return s
}

// Shutdown ends the term in progress and waits for its pollers: a window in flight is abandoned
// uncommitted. Leadership gained afterwards starts no term. Safe without Start and more than once.
func (r *huntingReceiver) Shutdown(context.Context) error {
	r.mu.Lock()
	r.shutDown = true
	r.endTerm()
	r.mu.Unlock()
	if r.budget != nil {
		r.budget.Release()
		r.budget = nil
	}
	r.telemetry.Shutdown()
	return nil
}
