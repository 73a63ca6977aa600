package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// reportIDKey is the column, and so the attribute or body key, that
// identifies an event.
const reportIDKey = "ReportId"

// The part of OTLP/JSON logs (ExportLogsServiceRequest) that ReadDelivered
// reads.
type otlpLogsRequest struct {
	ResourceLogs []struct {
		ScopeLogs []struct {
			LogRecords []otlpLogRecord `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

type otlpLogRecord struct {
	EventName  string         `json:"eventName"`
	Body       otlpAnyValue   `json:"body"`
	Attributes []otlpKeyValue `json:"attributes"`
}

type otlpKeyValue struct {
	Key   string       `json:"key"`
	Value otlpAnyValue `json:"value"`
}

type otlpAnyValue struct {
	StringValue *string          `json:"stringValue"`
	IntValue    *json.RawMessage `json:"intValue"` // a string in OTLP/JSON; a number is accepted too
	DoubleValue *float64         `json:"doubleValue"`
	KvlistValue *struct {
		Values []otlpKeyValue `json:"values"`
	} `json:"kvlistValue"`
}

// ReadDelivered reads the collector file exporter's output, one OTLP/JSON
// ExportLogsServiceRequest after another, and counts how many times each
// ReportId was delivered. A record's ReportId is its "ReportId" attribute or,
// failing that, the "ReportId" key of its body: a kvlist, or a string of the
// row's JSON.
func ReadDelivered(r io.Reader) (map[int64]int, error) {
	return ReadDeliveredOf(r, "")
}

// ReadDeliveredOf is ReadDelivered for the records of one table, those whose
// event name is table; every record when table is empty.
func ReadDeliveredOf(r io.Reader, table string) (map[int64]int, error) {
	delivered := map[int64]int{}
	decoder := json.NewDecoder(r)
	for request := 1; ; request++ {
		var logs otlpLogsRequest
		err := decoder.Decode(&logs)
		if errors.Is(err, io.EOF) {
			return delivered, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read delivered logs: request %d: %w", request, err)
		}
		for _, resource := range logs.ResourceLogs {
			for _, scope := range resource.ScopeLogs {
				for _, record := range scope.LogRecords {
					if table != "" && record.EventName != table {
						continue
					}
					if id, ok := record.reportID(); ok {
						delivered[id]++
					}
				}
			}
		}
	}
}

func (r otlpLogRecord) reportID() (int64, bool) {
	if id, ok := findReportID(r.Attributes); ok {
		return id, true
	}
	if r.Body.KvlistValue != nil {
		return findReportID(r.Body.KvlistValue.Values)
	}
	if r.Body.StringValue != nil { // the row as JSON text
		return rowReportID([]byte(*r.Body.StringValue))
	}
	return 0, false
}

func findReportID(pairs []otlpKeyValue) (int64, bool) {
	for _, kv := range pairs {
		if kv.Key == reportIDKey {
			return kv.Value.asInt()
		}
	}
	return 0, false
}

func (v otlpAnyValue) asInt() (int64, bool) {
	var text string
	switch {
	case v.IntValue != nil:
		text = string(bytes.Trim(*v.IntValue, `"`))
	case v.StringValue != nil:
		text = *v.StringValue
	case v.DoubleValue != nil:
		return int64(*v.DoubleValue), *v.DoubleValue == float64(int64(*v.DoubleValue))
	}
	id, err := strconv.ParseInt(text, 10, 64)
	return id, err == nil
}

// Report compares what was delivered with what should have been.
type Report struct {
	Expected   int // events that should have been delivered
	Delivered  int // expected events delivered at least once
	Missing    int // expected events never delivered
	Duplicated int // events delivered more than once
	Unexpected int // delivered events that were not expected (outside the window)
}

// Compare checks delivered (from ReadDelivered) against expected (from
// GroundTruth).
func Compare(expected []Event, delivered map[int64]int) Report {
	report := Report{Expected: len(expected)}
	isExpected := make(map[int64]bool, len(expected))
	for _, e := range expected {
		isExpected[e.ReportID] = true
		if delivered[e.ReportID] > 0 {
			report.Delivered++
		} else {
			report.Missing++
		}
	}
	for id, times := range delivered {
		if times > 1 {
			report.Duplicated++
		}
		if !isExpected[id] {
			report.Unexpected++
		}
	}
	return report
}

// OK reports whether every expected event was delivered exactly once.
func (r Report) OK() bool {
	return r.Missing == 0 && r.Duplicated == 0
}

func (r Report) String() string {
	return fmt.Sprintf("expected=%d delivered=%d missing=%d duplicated=%d unexpected=%d",
		r.Expected, r.Delivered, r.Missing, r.Duplicated, r.Unexpected)
}
