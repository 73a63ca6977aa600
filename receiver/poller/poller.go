// Package poller runs one query on its schedule: it asks for the window after the query's watermark,
// turns the rows into log records, hands them to the pipeline and moves the watermark only once the
// pipeline accepted them.
package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

// Runner runs a query and streams its rows (a *huntingapi.Client does).
type Runner interface {
	Run(ctx context.Context, query string, h huntingapi.ResultHandler) (huntingapi.Stats, error)
}

// Query is one configured query.
type Query struct {
	Name            string
	Text            string
	TimestampColumn string
	Interval        time.Duration
	Policy          watermark.Policy
	// ResourceAttributes are added to the resource of every record (routing keys and the like).
	ResourceAttributes map[string]string
}

// Settings are the dependencies a poller shares with the other queries of its receiver.
type Settings struct {
	Tenant              string
	ColumnsAsAttributes bool
	Runner              Runner
	Store               *watermark.Store
	Consumer            consumer.Logs
	Logger              *zap.Logger
	Telemetry           *metadata.TelemetryBuilder
	ObsReport           *receiverhelper.ObsReport
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
	// watermark is the end of the last window the pipeline accepted, or the lookback start before the
	// first one.
	watermark time.Time
	// lastFailure is the class of the last poll failure logged (see outcomeOf), so that a failure
	// that repeats is logged once however its details (window, trace IDs) vary.
	lastFailure string
	// warnedTypes are the unknown Schema types already logged.
	warnedTypes map[string]bool
}

// New returns a poller for q.
func New(q Query, s Settings) *Poller {
	return &Poller{
		query:       q,
		settings:    s,
		logger:      s.Logger.With(zap.String("query", q.Name)),
		queryAttr:   metric.WithAttributeSet(attribute.NewSet(attribute.String("query", q.Name))),
		warnedTypes: map[string]bool{},
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
	p.watermark = p.query.Policy.Initial(p.settings.Now())
	switch {
	case err != nil:
		p.logger.Error("Cannot use the stored checkpoint; starting from the lookback window instead",
			zap.Error(err), zap.Duration("lookback", p.query.Policy.Lookback))
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
	if errors.Is(err, context.Canceled) {
		return
	}
	if p.settings.ReportStatus != nil {
		p.settings.ReportStatus(p.query.Name, err)
	}
	switch {
	case err == nil && p.lastFailure != "":
		p.logger.Info("Query recovered")
		p.lastFailure = ""
	case err != nil && outcomeOf(err) != p.lastFailure:
		p.logger.Error("Query failed; its window will be asked for again", zap.Error(err))
		p.lastFailure = outcomeOf(err)
	}
}

// poll runs the window that follows the watermark, delivers its rows and, once the pipeline accepted
// them (or refused them for good), moves the watermark to the window's end. On any other outcome the
// watermark stays and the same window is asked for again.
func (p *Poller) poll(ctx context.Context) error {
	now := p.settings.Now()
	window, due := p.query.Policy.Next(p.watermark, now)
	if !due {
		return nil
	}
	if window.Clamped {
		p.logger.Warn("Watermark is older than the service keeps data; rows between it and the retention limit cannot be fetched",
			zap.String("watermark", watermark.FormatDatetime(p.watermark)),
			zap.String("oldest_available", watermark.FormatDatetime(window.Start)))
	}

	records := newWindowRecords(p.query, p.settings.Tenant, p.settings.ColumnsAsAttributes, now)
	if err := p.fetch(ctx, window, records); err != nil {
		return err
	}
	p.recordConversion(records)
	if err := p.deliver(ctx, records); err != nil {
		return err
	}
	return p.commit(ctx, window.End)
}

func (p *Poller) fetch(ctx context.Context, window watermark.Window, records *windowRecords) error {
	started := time.Now()
	stats, err := p.settings.Runner.Run(ctx, window.Apply(p.query.Text, p.query.TimestampColumn), records)
	tel := p.settings.Telemetry
	tel.DefenderHuntingQueryDuration.Record(ctx, time.Since(started).Seconds(), p.queryAttr)
	tel.DefenderHuntingAPICalls.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(
		attribute.String("query", p.query.Name), attribute.String("outcome", outcomeOf(err)))))
	tel.DefenderHuntingRowsReceived.Add(ctx, int64(records.Len()), p.queryAttr)
	if err != nil {
		return fmt.Errorf("window (%s, %s]: %w",
			watermark.FormatDatetime(window.Start), watermark.FormatDatetime(window.End), err)
	}
	p.logger.Debug("Window fetched",
		zap.String("start", watermark.FormatDatetime(window.Start)),
		zap.String("end", watermark.FormatDatetime(window.End)),
		zap.Int("rows", records.Len()),
		zap.Float64("service_execution_seconds", stats.ExecutionTime))
	return nil
}

func (p *Poller) recordConversion(records *windowRecords) {
	ctx := context.Background()
	p.settings.Telemetry.DefenderHuntingValuesMismatched.Add(ctx, int64(records.mismatched), p.queryAttr)
	p.settings.Telemetry.DefenderHuntingRowsWithoutTimestamp.Add(ctx, int64(records.withoutTimestamp), p.queryAttr)
	for _, name := range records.unknownTypes() {
		if !p.warnedTypes[name] {
			p.warnedTypes[name] = true
			p.logger.Warn("Unknown Schema type; its values are kept as their JSON type gives them", zap.String("type", name))
		}
	}
}

// deliver hands the window's records to the pipeline. A permanent refusal is counted and the window
// is committed without them (retrying cannot succeed); any other refusal keeps the window.
func (p *Poller) deliver(ctx context.Context, records *windowRecords) error {
	n := records.Len()
	if n == 0 {
		return nil
	}
	obsCtx := p.settings.ObsReport.StartLogsOp(ctx)
	err := p.settings.Consumer.ConsumeLogs(obsCtx, records.logs)
	p.settings.ObsReport.EndLogsOp(obsCtx, "defender_hunting", n, err)
	switch {
	case err == nil:
		p.settings.Telemetry.DefenderHuntingRecordsEmitted.Add(ctx, int64(n), p.queryAttr)
		return nil
	case consumererror.IsPermanent(err):
		p.settings.Telemetry.DefenderHuntingRecordsDropped.Add(ctx, int64(n), p.queryAttr)
		p.logger.Error("Pipeline refused the window's records permanently; they are dropped", zap.Int("records", n), zap.Error(err))
		return nil
	default:
		return fmt.Errorf("pipeline refused %d records: %w", n, err)
	}
}

// commit moves the watermark. If the checkpoint cannot be written the watermark still moves in
// memory (the rows were delivered); a restart before the next successful save repeats this window.
func (p *Poller) commit(ctx context.Context, end time.Time) error {
	p.watermark = end
	p.settings.Telemetry.DefenderHuntingWatermarkLag.Record(ctx, p.settings.Now().Sub(end).Seconds(), p.queryAttr)
	return p.settings.Store.Save(ctx, p.query.Name, end)
}
