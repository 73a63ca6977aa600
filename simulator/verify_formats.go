package simulator

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// The readers below count ReportIds in what other paths than the file
// exporter deliver: a HEC endpoint's request bodies, an OTLP/HTTP endpoint's
// protobuf requests, and rows written one JSON object per line (a poller
// written the way the Splunk add-on works). Each adds to delivered, so that
// the bodies of many requests add up to one count.

// CountHECEvents counts the ReportIds of a HEC request body: JSON event
// objects one after the other, each with the row as its "event", either an
// object or a JSON string holding one. An event without a ReportId is left
// out, as ReadDelivered leaves out a record without one.
func CountHECEvents(r io.Reader, delivered map[int64]int) error {
	decoder := json.NewDecoder(r)
	for n := 1; ; n++ {
		var event struct {
			Event json.RawMessage `json:"event"`
		}
		err := decoder.Decode(&event)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("HEC event %d: %w", n, err)
		}
		if id, ok := rowReportID(event.Event); ok {
			delivered[id]++
		}
	}
}

// CountRows counts the ReportIds of rows written one JSON object per line.
// Every line must be a row with a ReportId: what wrote them had rows only.
func CountRows(r io.Reader, delivered map[int64]int) error {
	lines := bufio.NewScanner(r)
	lines.Buffer(nil, 64<<20) // a row is a few KB; the receiver takes rows up to 16 MiB
	for n := 1; lines.Scan(); n++ {
		id, ok := rowReportID(lines.Bytes())
		if !ok {
			return fmt.Errorf("line %d: not a JSON row with a ReportId", n)
		}
		delivered[id]++
	}
	return lines.Err()
}

// CountOTLPProto counts the ReportIds of an OTLP/HTTP protobuf request
// (ExportLogsServiceRequest) of table's records, every record when table is
// empty. A record's ReportId is its attribute, or the key of its body: a map,
// or a JSON string of the row.
func CountOTLPProto(body []byte, table string, delivered map[int64]int) error {
	request := plogotlp.NewExportRequest()
	if err := request.UnmarshalProto(body); err != nil {
		return fmt.Errorf("OTLP request: %w", err)
	}
	resources := request.Logs().ResourceLogs()
	for i := range resources.Len() {
		scopes := resources.At(i).ScopeLogs()
		for j := range scopes.Len() {
			records := scopes.At(j).LogRecords()
			for k := range records.Len() {
				record := records.At(k)
				if table != "" && record.EventName() != table {
					continue
				}
				if id, ok := pdataReportID(record.Attributes(), record.Body()); ok {
					delivered[id]++
				}
			}
		}
	}
	return nil
}

func pdataReportID(attributes pcommon.Map, body pcommon.Value) (int64, bool) {
	if value, ok := attributes.Get(reportIDKey); ok {
		return pdataInt(value)
	}
	switch body.Type() {
	case pcommon.ValueTypeMap:
		if value, ok := body.Map().Get(reportIDKey); ok {
			return pdataInt(value)
		}
	case pcommon.ValueTypeStr:
		return rowReportID([]byte(body.Str()))
	}
	return 0, false
}

func pdataInt(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		return int64(v.Double()), v.Double() == float64(int64(v.Double()))
	case pcommon.ValueTypeStr:
		id, err := strconv.ParseInt(v.Str(), 10, 64)
		return id, err == nil
	}
	return 0, false
}

// rowReportID reads the ReportId of a row given as a JSON object, or as a
// JSON string holding one.
func rowReportID(row []byte) (int64, bool) {
	if len(row) > 0 && row[0] == '"' {
		var text string
		if json.Unmarshal(row, &text) != nil {
			return 0, false
		}
		row = []byte(text)
	}
	var columns struct {
		ReportID json.Number `json:"ReportId"` // a number, or a string holding one
	}
	if json.Unmarshal(row, &columns) != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(columns.ReportID.String(), 10, 64)
	return id, err == nil
}
