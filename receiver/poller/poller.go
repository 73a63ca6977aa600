// Package poller runs one query on its schedule: it asks for the window after the query's watermark,
// page by page, turns the rows into log records, hands them to the pipeline in batches and moves the
// watermark only over rows the pipeline accepted.
package poller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
	// ColumnsAsJSON makes the body the row's JSON text instead of a map (with ColumnsInBody alone).
	ColumnsAsJSON bool
	// SemanticAttributes adds the semantic convention attributes of each row's table.
	SemanticAttributes bool
	// MaxRows is the service's row cap: every page asks for at most this many rows.
	MaxRows int
	// BatchSize is how many records go to the pipeline at once, and BatchBytes how many bytes of the
	// rows' JSON, whichever comes first (a batch is cut where the key changes, so it may run over).
	BatchSize, BatchBytes int
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
	// the lookback start). While a poll's batches are in flight, their goroutine owns it.
	watermark time.Time
	// cursor is where the next page starts: past the batches handed over, which may not be
	// delivered yet. It goes back to the watermark when a delivery fails.
	cursor time.Time
	// inflight delivers the batches of the poll running, if it handed any over (see inflight.go).
	inflight *inflight
	// serviceBehind is how far, at least, the service's clock is behind the local one, from the
	// Date of its last answer; 0 when it is not behind. Windows end by the service's clock: one
	// that ended by a local clock running ahead would be committed before its rows exist.
	serviceBehind time.Duration
	warnedSkew    bool
	// unsaved is set while the watermark is past the last checkpoint saved: nothing more is
	// delivered until a save succeeds, so that a crash repeats at most the batch in between.
	// Owned, like the watermark, by the goroutine of batches in flight while there is one.
	unsaved bool
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
	if !p.awaitCheckpoint(ctx) {
		return
	}
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

// awaitCheckpoint loads the checkpoint, trying again (with the retry backoff, then at its longest
// interval) while the storage cannot be read: starting from the lookback instead would overwrite a
// good checkpoint with the next commit. It returns false when ctx ended first.
func (p *Poller) awaitCheckpoint(ctx context.Context) bool {
	retry := p.newRetry()
	for {
		err := p.loadCheckpoint(ctx)
		if err == nil {
			return true
		}
		p.reportPoll(err)
		wait, ok := retry.next()
		if !ok {
			wait = cmp.Or(p.settings.Retry.MaxInterval, p.query.Interval)
		}
		if sleep(ctx, wait) != nil {
			return false
		}
	}
}

// loadCheckpoint sets the watermark from the stored checkpoint, or from the lookback when there is
// none or it cannot be used. It returns an error only when the storage could not be read.
func (p *Poller) loadCheckpoint(ctx context.Context) error {
	wm, err := p.settings.Store.Load(ctx, p.query.Name, p.query.Selection.WindowedOn())
	now := p.settings.Now()
	p.watermark = p.query.Policy.Initial(now)
	lookback := zap.Duration("lookback", p.query.Policy.Lookback)
	var otherDomain *watermark.OtherDomainError
	switch {
	case errors.Is(err, watermark.ErrUnreadable):
		p.settings.Telemetry.DefenderHuntingCheckpointFailures.Add(ctx, 1, p.operationAttr("load"))
		return fmt.Errorf("%w: %w", errCheckpoint, err)
	case errors.As(err, &otherDomain):
		p.logger.Warn("The query's windows are on another time than its stored checkpoint; starting from the lookback window "+
			"(events in it may be delivered again)", zap.Error(err), lookback)
	case err != nil:
		p.logger.Error("Cannot use the stored checkpoint; starting from the lookback window instead", zap.Error(err), lookback)
	case wm.After(now):
		// No window can end after now: a later watermark is not one this receiver committed, and
		// trusting it would stop the query until then, silently.
		p.logger.Error("The stored checkpoint is later than now; not trusted: starting from the lookback window instead",
			zap.String("watermark", watermark.FormatDatetime(wm)), zap.String("now", watermark.FormatDatetime(now)), lookback)
	case wm.IsZero():
		p.logger.Info("No checkpoint stored; starting from the lookback window", lookback)
	default:
		p.logger.Info("Resuming from checkpoint", zap.String("watermark", watermark.FormatDatetime(wm)))
		p.watermark = wm
	}
	return nil
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

// commit moves the watermark to to, over rows the pipeline accepted, and saves it. When the save
// fails the watermark still moves in memory (the rows were delivered), but no more rows are
// delivered until a save succeeds (see poll): a crash then repeats at most the last batch.
func (p *Poller) commit(ctx context.Context, to time.Time) error {
	p.watermark = to
	p.settings.Telemetry.DefenderHuntingWatermarkLag.Record(ctx, p.settings.Now().Sub(to).Seconds(), p.queryAttr)
	if err := p.settings.Store.Save(ctx, p.query.Name, p.query.Selection.WindowedOn(), to); err != nil {
		p.unsaved = true
		p.settings.Telemetry.DefenderHuntingCheckpointFailures.Add(ctx, 1, p.operationAttr("save"))
		return fmt.Errorf("%w: %w", errCheckpoint, err)
	}
	p.unsaved = false
	return nil
}

// serviceNow is the clock windows end by: the local one, or the service's when it is behind.
func (p *Poller) serviceNow() time.Time {
	return p.settings.Now().Add(-p.serviceBehind)
}

// maxSkewUnwarned is how far the local clock may run ahead of the service's before it is logged.
const maxSkewUnwarned = 30 * time.Second

// noteServiceClock learns from an answer how far the local clock runs ahead of the service's. The
// Date header has whole seconds: the service's clock was at most a second past it.
func (p *Poller) noteServiceClock(stats huntingapi.Stats) {
	if stats.ServiceTime.IsZero() || stats.ReceivedAt.IsZero() {
		return
	}
	p.serviceBehind = max(stats.ReceivedAt.Sub(stats.ServiceTime.Add(time.Second)), 0)
	if p.serviceBehind > maxSkewUnwarned && !p.warnedSkew {
		p.warnedSkew = true
		p.logger.Warn("The local clock is ahead of the service's; windows end by the service's clock",
			zap.Duration("ahead_by", p.serviceBehind), zap.String("service_time", stats.ServiceTime.UTC().Format(time.RFC3339)))
	}
}

// operationAttr is the attribute set of a checkpoint failure.
func (p *Poller) operationAttr(operation string) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(attribute.String("query", p.query.Name), attribute.String("operation", operation)))
}
