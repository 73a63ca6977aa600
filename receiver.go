package defenderhuntingreceiver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/callbudget"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/entraid"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/poller"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

// huntingReceiver runs one poller per configured query until Shutdown.
type huntingReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Logs
	obsReport *receiverhelper.ObsReport
	telemetry *metadata.TelemetryBuilder

	cancel  context.CancelFunc
	running sync.WaitGroup
	storage storage.Client
	budget  *callbudget.Lease
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

// Start prepares the HTTP client, credential and checkpoint store and starts the pollers. It does not
// touch the network: the first token and query requests are made by the pollers.
func (r *huntingReceiver) Start(ctx context.Context, host component.Host) error {
	storageClient, err := r.openStorage(ctx, host)
	if err != nil {
		return err
	}
	r.storage = storageClient
	runner, err := r.newAPIClient(ctx, host)
	if err != nil {
		return err
	}

	status := newStatusTracker(host)
	store := watermark.NewStore(r.storage, r.cfg.Auth.TenantID)
	r.budget = callbudget.Acquire(r.cfg.Auth.TenantID, r.cfg.CallsPerMinute)
	pollCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for _, q := range r.cfg.Queries {
		p := poller.New(poller.Query{
			Name:     q.Name,
			Text:     q.Query,
			Interval: q.Interval,
			Policy:   watermark.Policy{Lookback: q.Lookback, IngestionDelay: q.IngestionDelay},
			Selection: watermark.Selection{
				TimestampColumn: q.TimestampColumn,
				IngestionTime:   q.Watermark == WatermarkIngestionTime,
			},
			ResourceAttributes: q.ResourceAttributes,
		}, poller.Settings{
			Tenant:              r.cfg.Auth.TenantID,
			ColumnsInAttributes: r.cfg.ColumnsIn != ColumnsInBody,
			ColumnsInBody:       r.cfg.ColumnsIn != ColumnsInAttributes,
			MaxRows:             r.cfg.RowCap,
			BatchSize:           r.cfg.BatchSize,
			Retry:               r.cfg.RetryOnFailure,
			Budget:              r.budget.Budget,
			Runner:              runner,
			Store:               store,
			Consumer:            r.next,
			Logger:              r.settings.Logger,
			Telemetry:           r.telemetry,
			ObsReport:           r.obsReport,
			ReportStatus:        status.report,
			Now:                 time.Now,
		})
		r.running.Add(1) // before the goroutine starts, so Shutdown's Wait cannot miss it
		go func() {
			defer r.running.Done()
			p.Run(pollCtx)
		}()
	}
	return nil
}

func (r *huntingReceiver) openStorage(ctx context.Context, host component.Host) (storage.Client, error) {
	if r.cfg.Storage == nil {
		return storage.NewNopClient(), nil
	}
	ext, ok := host.GetExtensions()[*r.cfg.Storage]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found (add it under service::extensions)", r.cfg.Storage)
	}
	storageExt, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", r.cfg.Storage)
	}
	client, err := storageExt.GetClient(ctx, component.KindReceiver, r.settings.ID, "")
	if err != nil {
		return nil, fmt.Errorf("storage: opening a client of %q: %w", r.cfg.Storage, err)
	}
	return client, nil
}

// newAPIClient builds the API client: the configured HTTP client, authenticated by the named auth
// extension or with a bearer token from Entra ID on every call. Token requests use the same HTTP
// client, without the bearer layer.
func (r *huntingReceiver) newAPIClient(ctx context.Context, host component.Host) (*huntingapi.Client, error) {
	api := huntingapi.AdvancedHunting
	if r.cfg.API == APIGraph {
		api = huntingapi.Graph
	}
	httpConfig := r.cfg.ClientConfig
	if r.cfg.Auth.Authenticator != nil {
		httpConfig.Auth = configoptional.Some(configauth.Config{AuthenticatorID: *r.cfg.Auth.Authenticator})
	}
	httpClient, err := httpConfig.ToClient(ctx, host.GetExtensions(), r.settings.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("building the HTTP client: %w", err)
	}
	if r.cfg.Auth.Authenticator != nil {
		return huntingapi.NewClient(httpClient, r.cfg.endpoint(), api), nil
	}

	a := r.cfg.Auth
	credential, err := entraid.NewCredential(entraid.Settings{
		TenantID:            a.TenantID,
		ClientID:            a.ClientID,
		ClientSecret:        string(a.ClientSecret),
		CertificateFile:     a.CertificateFile,
		CertificatePassword: string(a.CertificatePassword),
		FederatedTokenFile:  a.FederatedTokenFile,
		ManagedIdentity:     a.ManagedIdentity,
		Authority:           r.cfg.authority(),
	}, httpClient)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	apiHTTP := *httpClient
	apiHTTP.Transport = entraid.NewTransport(credential, r.cfg.scope(), httpClient.Transport)
	return huntingapi.NewClient(&apiHTTP, r.cfg.endpoint(), api), nil
}

// Shutdown stops the pollers and waits for them; a window in flight is abandoned uncommitted. Safe
// without Start and more than once.
func (r *huntingReceiver) Shutdown(ctx context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	r.running.Wait()
	if r.budget != nil {
		r.budget.Release()
		r.budget = nil
	}
	var err error
	if r.storage != nil {
		err = r.storage.Close(ctx)
		r.storage = nil
	}
	r.telemetry.Shutdown()
	return errors.Join(err)
}
