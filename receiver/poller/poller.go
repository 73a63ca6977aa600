// Package poller runs one query on its schedule: it asks for the window after the query's watermark,
// page by page, turns the rows into log records, hands them to the pipeline in batches and moves the
// watermark only over rows the pipeline accepted.
package poller

import (
	"context"
	"maps"
	"slices"
	"time"

	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/callbudget"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

// Runner runs a query and streams its rows (a *huntingapi.Client does).
type Runner interface {
	Run(ctx context.Context, req huntingapi.Request, h huntingapi.ResultHandler) (huntingapi.Stats, error)
}

// Query is one configured query.
type Query struct {
	Name      string
	Text      string
	Interval  time.Duration
	Policy    watermark.Policy
	Selection watermark.Selection
	// ResourceAttributes are added to the resource of every record (routing keys and the like).
	ResourceAttributes map[string]string
	// Table is the Defender table every row comes from; empty when the query reads several, each
	// row then naming its own (see rowconv.Converter.ForTable).
	Table string
}

// Settings are the dependencies and limits a poller shares with the other queries of its receiver.
type Settings struct {
	Tenant string
	// ColumnsInAttributes and ColumnsInBody say where records carry the row's columns: at least one
	// is set; with both, the body's map is copied into the attributes.
	ColumnsInAttributes, ColumnsInBody bool
	// SemanticAttributes adds the semantic convention attributes of each row's table.
	SemanticAttributes bool
	// MaxRows is the service's row cap: every page asks for at most this many rows.
	MaxRows int
	// BatchSize is how many records go to the pipeline at once (a batch is cut where the key changes).
	BatchSize int
	// Retry paces the retries of a page after transient failures.
	Retry     configretry.BackOffConfig
	Budget    *callbudget.Budget
	Runner    Runner
	Store     *watermark.Store
	Consumer  consumer.Logs
	Logger    *zap.Logger
	Telemetry *metadata.TelemetryBuilder
	ObsReport *receiverhelper.ObsReport
	// ReportStatus is told after every poll whether it failed (nil when it did not).
	ReportStatus func(query string, err error)
	Now          func() time.Time
}

// Poller runs one query. It is not safe for concurrent use: Run owns it.
type Poller struct {
	query     Query
	settings  Settings
	logger    *zap.Logger
	queryAttr metric.MeasurementOption

	// watermark is the point up to which every row was delivered (or, before the first commit,
	// the lookback start): the next page starts right after it.
	watermark time.Time
	// saveErr is the failure of the last checkpoint save, nil once one succeeds.
	saveErr error
	// narrowed is how far the next pages are cut down after timeouts or results too large (see
	// narrowing.go); zero while pages span the whole window.
	narrowed narrowing
	// lastFailure is the class of the last poll failure logged, so that a failure that repeats is
	// logged once however its details (window, trace IDs) vary.
	lastFailure failure
	// warnedTypes are the unknown Schema types already logged.
	warnedTypes map[string]bool
	// resource holds the attributes of every batch's resource, in a fixed order: each batch copies it.
	resource pcommon.Map
}

// New returns a poller for q.
func New(q Query, s Settings) *Poller {
	resource := pcommon.NewMap()
	resource.EnsureCapacity(2 + len(q.ResourceAttributes))
	for _, k := range slices.Sorted(maps.Keys(q.ResourceAttributes)) {
		resource.PutStr(k, q.ResourceAttributes[k])
	}
	resource.PutStr(attrTenantID, s.Tenant)
	resource.PutStr(attrQueryName, q.Name)
	return &Poller{
		query:       q,
		settings:    s,
		logger:      s.Logger.With(zap.String("query", q.Name)),
		queryAttr:   metric.WithAttributeSet(attribute.NewSet(attribute.String("query", q.Name))),
		warnedTypes: map[string]bool{},
		resource:    resource,
	}
}

// Run loads the query's checkpoint, polls at once and then every interval until ctx is done.
func (p *Poller) Run(ctx context.Context) {
	p.loadCheckpoint(ctx)
	ticker := time.NewTicker(p.query.Interval)
	defer ticker.Stop()
	for {
		p.reportPoll(p.poll(ctx))
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (p *Poller) loadCheckpoint(ctx context.Context) {
	wm, err := p.settings.Store.Load(ctx, p.query.Name)
	now := p.settings.Now()
	p.watermark = p.query.Policy.Initial(now)
	switch {
	case err != nil:
		p.logger.Error("Cannot use the stored checkpoint; starting from the lookback window instead",
			zap.Error(err), zap.Duration("lookback", p.query.Policy.Lookback))
	case wm.After(now):
		// No window can end after now: a later watermark is not one this receiver committed, and
		// trusting it would stop the query until then, silently.
		p.logger.Error("The stored checkpoint is later than now; not trusted: starting from the lookback window instead",
			zap.String("watermark", watermark.FormatDatetime(wm)), zap.String("now", watermark.FormatDatetime(now)),
			zap.Duration("lookback", p.query.Policy.Lookback))
	case wm.IsZero():
		p.logger.Info("No checkpoint stored; starting from the lookback window",
			zap.Duration("lookback", p.query.Policy.Lookback))
	default:
		p.logger.Info("Resuming from checkpoint", zap.String("watermark", watermark.FormatDatetime(wm)))
		p.watermark = wm
	}
}

// reportPoll reports each poll's result as component status, logs a failure when its class differs
// from the previous one, and logs a recovery once. Shutting down is no failure.
func (p *Poller) reportPoll(err error) {
	class := classify(err)
	if class == failureCanceled {
		return
	}
	if p.settings.ReportStatus != nil {
		p.settings.ReportStatus(p.query.Name, err)
	}
	switch {
	case err == nil && p.lastFailure != "":
		p.logger.Info("Query recovered")
		p.lastFailure = ""
	case err != nil && class != p.lastFailure:
		p.logger.Error("Query failed; its window will be asked for again", zap.Error(err))
		p.lastFailure = class
	}
}

// commit moves the watermark to to, over rows the pipeline accepted. If the checkpoint cannot be
// written the watermark still moves in memory (the rows were delivered) and delivery goes on; the
// poll then ends with the storage error so that it is logged and reported, and a restart before
// the next successful save repeats what was delivered since.
func (p *Poller) commit(ctx context.Context, to time.Time) {
	p.watermark = to
	p.settings.Telemetry.DefenderHuntingWatermarkLag.Record(ctx, p.settings.Now().Sub(to).Seconds(), p.queryAttr)
	p.saveErr = p.settings.Store.Save(ctx, p.query.Name, to)
}
