package poller

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/rowconv"
)

// Resource attributes that say where a record comes from.
const (
	attrTenantID  = "defender.tenant.id"
	attrQueryName = "defender.hunting.query.name"
)

// windowRecords builds one window's log records as the API client decodes its rows (it is the
// client's ResultHandler): one record per row, the row's columns in the body (and in the attributes
// when columnsAsAttributes), stamped with the row's timestamp column.
type windowRecords struct {
	logs                plog.Logs
	records             plog.LogRecordSlice
	timestampColumn     string
	columnsAsAttributes bool
	observed            pcommon.Timestamp
	converter           *rowconv.Converter

	mismatched       int
	withoutTimestamp int
}

func newWindowRecords(q Query, tenant string, columnsAsAttributes bool, observed time.Time) *windowRecords {
	logs := plog.NewLogs()
	resourceLogs := logs.ResourceLogs().AppendEmpty()
	resource := resourceLogs.Resource().Attributes()
	resource.EnsureCapacity(2 + len(q.ResourceAttributes))
	for k, v := range q.ResourceAttributes {
		resource.PutStr(k, v)
	}
	resource.PutStr(attrTenantID, tenant)
	resource.PutStr(attrQueryName, q.Name)
	scopeLogs := resourceLogs.ScopeLogs().AppendEmpty()
	scopeLogs.Scope().SetName(metadata.ScopeName)
	return &windowRecords{
		logs:                logs,
		records:             scopeLogs.LogRecords(),
		timestampColumn:     q.TimestampColumn,
		columnsAsAttributes: columnsAsAttributes,
		observed:            pcommon.NewTimestampFromTime(observed),
	}
}

// Schema prepares the converter for the response's columns.
func (w *windowRecords) Schema(columns []huntingapi.Column) error {
	w.converter = rowconv.NewConverter(columns, w.timestampColumn)
	return nil
}

// Row appends the record for one row. A value that does not fit its type is kept as a string and
// counted; a row is never dropped.
func (w *windowRecords) Row(row map[string]any) error {
	record := w.records.AppendEmpty()
	record.SetObservedTimestamp(w.observed)
	body := record.Body().SetEmptyMap()
	outcome := w.converter.Convert(row, body)
	w.mismatched += outcome.Mismatched
	if outcome.Timestamp.IsZero() {
		w.withoutTimestamp++
	} else {
		record.SetTimestamp(pcommon.NewTimestampFromTime(outcome.Timestamp))
	}
	if w.columnsAsAttributes {
		body.CopyTo(record.Attributes())
	}
	return nil
}

// Len is the number of records built so far.
func (w *windowRecords) Len() int { return w.records.Len() }

// unknownTypes returns the Schema type names the converter did not know.
func (w *windowRecords) unknownTypes() []string {
	if w.converter == nil {
		return nil
	}
	return w.converter.UnknownTypes()
}
