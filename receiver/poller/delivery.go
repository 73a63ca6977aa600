package poller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/rowconv"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

// Resource attributes that say where a record comes from.
const (
	attrTenantID  = "defender.tenant.id"
	attrQueryName = "defender.hunting.query.name"
)

// errPipelineRefused marks a retryable refusal by the pipeline.
var errPipelineRefused = errors.New("pipeline refused the records")

// tickOverLimit is a narrowed page whose rows all share one key: the poll asks for that key alone,
// at the row cap.
type tickOverLimit struct{ key time.Time }

func (e tickOverLimit) Error() string {
	return "more rows share " + watermark.FormatDatetime(e.key) + " than the narrowed page holds"
}

// errCheckpoint marks a checkpoint that could not be read or saved.
var errCheckpoint = errors.New("checkpoint")

// errBadKey marks a row whose key (the column the window is cut on) the page cannot be ordered by.
var errBadKey = errors.New("the query's rows cannot be windowed")

// pageDelivery is the API client's ResultHandler for one page. Rows arrive sorted on the key column
// (the window's column); each becomes a log record, and records go to the pipeline in batches that
// end where the key changes, so that after a batch is accepted the watermark can move to the batch's
// last key knowing that every row up to it was delivered. A page that reaches its row limit may stop
// in the middle of its last key's rows: those are held back and asked for again by the next page.
type pageDelivery struct {
	ctx   context.Context
	p     *Poller
	page  watermark.Window
	limit int

	converter *rowconv.Converter
	observed  pcommon.Timestamp
	// scratch receives each row before it is known which batch it belongs to.
	scratch plog.LogRecord
	// derived holds a row's event id and semantic attributes while the row's columns are copied
	// into the attributes too (columns_in both).
	derived pcommon.Map
	batch   plog.Logs
	records plog.LogRecordSlice

	rows       int       // rows read so far
	batchBytes int       // bytes of the rows in the batch, as their JSON came
	lastKey    time.Time // key of the last row read
	groupStart int       // index in records of the first row with lastKey
	flushed    bool      // a batch of this page was already delivered

	mismatched, withoutTimestamp int
}

func newPageDelivery(ctx context.Context, p *Poller, page watermark.Window, limit int) *pageDelivery {
	d := &pageDelivery{
		ctx:      ctx,
		p:        p,
		page:     page,
		limit:    limit,
		observed: pcommon.NewTimestampFromTime(p.settings.Now()),
		scratch:  plog.NewLogRecord(),
		derived:  pcommon.NewMap(),
	}
	d.newBatch()
	return d
}

func (d *pageDelivery) newBatch() {
	d.batch = plog.NewLogs()
	resourceLogs := d.batch.ResourceLogs().AppendEmpty()
	d.p.resource.CopyTo(resourceLogs.Resource().Attributes())
	scopeLogs := resourceLogs.ScopeLogs().AppendEmpty()
	scopeLogs.Scope().SetName(metadata.ScopeName)
	d.records = scopeLogs.LogRecords()
	d.groupStart, d.batchBytes = 0, 0
}

// Schema prepares the converter for the page's columns.
func (d *pageDelivery) Schema(columns []huntingapi.Column) error {
	selection := d.p.query.Selection
	d.converter = rowconv.NewConverter(columns, selection.TimestampColumn, selection.KeyColumn())
	d.converter.ForTable(d.p.query.Table, d.p.settings.SemanticAttributes)
	for _, name := range d.converter.UnknownTypes() {
		if !d.p.warnedTypes[name] {
			d.p.warnedTypes[name] = true
			d.p.logger.Warn("Unknown Schema type; its values are kept as their JSON type gives them", zap.String("type", name))
		}
	}
	return nil
}

// Row turns the row at the start of data into a record and adds it to the batch, delivering the
// batch first when it is full and the row starts a new key.
func (d *pageDelivery) Row(data []byte) (int, error) {
	record := d.scratch
	// Left over only when a failed delivery ended the page, but be sure.
	attributes := record.Attributes()
	attributes.Clear()
	columns, derived := attributes, attributes
	settings := d.p.settings
	var outcome rowconv.Outcome
	var err error
	switch {
	case settings.ColumnsAsJSON:
		var text string
		if outcome, text, err = d.converter.ConvertText(data, attributes); err == nil {
			record.Body().SetStr(text)
		}
	default:
		if settings.ColumnsInBody {
			columns = record.Body().SetEmptyMap()
			if settings.ColumnsInAttributes {
				derived = d.derived
			}
		}
		outcome, err = d.converter.Convert(data, columns, derived)
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return 0, huntingapi.ErrIncompleteRow
	case err != nil:
		return 0, fmt.Errorf("%w: %w", huntingapi.ErrUnreadableResponse, err)
	}
	d.rows++
	record.SetObservedTimestamp(d.observed)
	record.SetEventName(outcome.Table)
	d.mismatched += outcome.Mismatched
	if outcome.Timestamp.IsZero() {
		d.withoutTimestamp++
	} else {
		record.SetTimestamp(pcommon.NewTimestampFromTime(outcome.Timestamp))
	}
	if derived.Len() > 0 && settings.ColumnsInAttributes && settings.ColumnsInBody {
		columns.CopyTo(attributes)
		for k, v := range derived.All() {
			v.CopyTo(attributes.PutEmpty(k))
		}
		derived.Clear()
	}

	key := outcome.Key
	if err := d.checkKey(key); err != nil {
		return 0, err
	}
	if !key.Equal(d.lastKey) {
		if n := d.records.Len(); n > 0 && (n >= d.p.settings.BatchSize || d.batchBytes >= d.p.settings.BatchBytes) {
			if err := d.flush(d.lastKey); err != nil {
				return 0, err
			}
		}
		d.groupStart, d.lastKey = d.records.Len(), key
	}
	record.MoveTo(d.records.AppendEmpty())
	d.batchBytes += outcome.Len
	return outcome.Len, nil
}

// checkKey refuses a row whose key cannot be where the page's query put it: missing or not a
// datetime, outside the page, or before the row read last. The watermark moves to keys: committing
// such a one would ask for year 1 again forever, or for nothing until 9999, or past rows not yet
// delivered. The page fails instead, and with it the poll, visibly.
func (d *pageDelivery) checkKey(key time.Time) error {
	column := d.p.query.Selection.KeyColumn()
	switch {
	case key.IsZero():
		return fmt.Errorf("%w: row %d of the page has no datetime in %s, which the page is ordered by", errBadKey, d.rows, column)
	case !key.After(d.page.Start) || key.After(d.page.End):
		return fmt.Errorf("%w: row %d has %s %s, outside the page", errBadKey, d.rows, column, watermark.FormatDatetime(key))
	case key.Before(d.lastKey):
		return fmt.Errorf("%w: row %d has %s %s, before the row read before it (%s): the rows are not in order",
			errBadKey, d.rows, column, watermark.FormatDatetime(key), watermark.FormatDatetime(d.lastKey))
	}
	return nil
}

// finish delivers what is left of a page that was read to its end and commits up to where the page
// is known complete: its end, or, for a page cut at the row limit, just before its last key.
func (d *pageDelivery) finish() error {
	d.p.settings.Telemetry.DefenderHuntingRowsPerPage.Record(d.ctx, int64(d.rows), d.p.queryAttr)
	if d.rows < d.limit {
		// Up to the page's end, or to where windows end by the service's clock if that is sooner,
		// but not back before what the page's batches were handed over to commit.
		end := minTime(d.page.End, d.p.windowEnd())
		if end.Before(d.p.cursor) {
			end = d.p.cursor
		}
		return d.flush(end)
	}
	if !d.flushed && d.groupStart == 0 {
		// Every row shares one key: no complete key to stop after. A page narrowed below the row
		// cap asks again for that key alone, at the cap, delivering nothing of this one.
		if d.limit < d.p.settings.MaxRows && !d.page.End.Equal(d.lastKey) {
			return tickOverLimit{d.lastKey}
		}
		// At the cap (or as close to it as the service answers), no time-based page can split
		// them: deliver them and move past that instant; the rows beyond the cap at it are lost.
		d.p.settings.Telemetry.DefenderHuntingCapSaturations.Add(d.ctx, 1, d.p.queryAttr)
		d.p.logger.Error("More rows share one timestamp than a page may hold; rows beyond the row cap at that instant are lost",
			zap.String("timestamp", watermark.FormatDatetime(d.lastKey)), zap.Int("max_rows", d.limit))
		return d.flush(d.lastKey)
	}
	d.dropLastGroup()
	return d.flush(d.lastKey.Add(-watermark.Tick))
}

// dropLastGroup removes the rows of the last key, which may continue beyond the page.
func (d *pageDelivery) dropLastGroup() {
	i := 0
	d.records.RemoveIf(func(plog.LogRecord) bool {
		i++
		return i > d.groupStart
	})
}

// flush hands the batch over for delivery (see inflight.go), with the watermark to commit once it is
// accepted: commitTo. A permanent refusal is counted and committed past (retrying cannot succeed); a
// retryable one, when the page is still being read, aborts it.
func (d *pageDelivery) flush(commitTo time.Time) error {
	if err := d.p.handOver(d.ctx, handover{logs: d.batch, records: d.records.Len(), commitTo: commitTo}); err != nil {
		return err
	}
	d.flushed = true
	d.newBatch()
	return nil
}

// recordConversion counts the page's conversion problems.
func (d *pageDelivery) recordConversion() {
	tel := d.p.settings.Telemetry
	tel.DefenderHuntingRowsReceived.Add(d.ctx, int64(d.rows), d.p.queryAttr)
	tel.DefenderHuntingValuesMismatched.Add(d.ctx, int64(d.mismatched), d.p.queryAttr)
	tel.DefenderHuntingRowsWithoutTimestamp.Add(d.ctx, int64(d.withoutTimestamp), d.p.queryAttr)
}

// deliver hands n records to the pipeline.
func (p *Poller) deliver(ctx context.Context, logs plog.Logs, n int) error {
	obsCtx := p.settings.ObsReport.StartLogsOp(ctx)
	err := p.settings.Consumer.ConsumeLogs(obsCtx, logs)
	p.settings.ObsReport.EndLogsOp(obsCtx, "defender_hunting", n, err)
	switch {
	case err == nil:
		p.settings.Telemetry.DefenderHuntingRecordsEmitted.Add(ctx, int64(n), p.queryAttr)
		return nil
	case consumererror.IsPermanent(err):
		p.settings.Telemetry.DefenderHuntingRecordsDropped.Add(ctx, int64(n), p.queryAttr)
		p.logger.Error("Pipeline refused records permanently; they are dropped", zap.Int("records", n), zap.Error(err))
		return nil
	case ctx.Err() != nil:
		return ctx.Err() // the receiver is shutting down
	default:
		// %v, not %w: a refusal that wraps context.Canceled (an exporter's own cancellation) must not
		// be taken for the receiver shutting down, which would end the poll without a word.
		return fmt.Errorf("%w (%d records): %v", errPipelineRefused, n, err)
	}
}
