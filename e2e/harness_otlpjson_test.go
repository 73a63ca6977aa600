package e2e

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// otlpJSONValue is an AnyValue as OTLP/JSON writes it: one key naming its type ("intValue",
// "kvlistValue", ...) holding the value. Tests read the types as written, not as a library
// would convert them back.
type otlpJSONValue map[string]json.RawMessage

type otlpJSONKeyValue struct {
	Key   string        `json:"key"`
	Value otlpJSONValue `json:"value"`
}

// otlpJSONLogs is one line of the file exporter's output: an ExportLogsServiceRequest.
type otlpJSONLogs struct {
	ResourceLogs []struct {
		Resource struct {
			Attributes []otlpJSONKeyValue `json:"attributes"`
		} `json:"resource"`
		ScopeLogs []struct {
			LogRecords []struct {
				TimeUnixNano         string        `json:"timeUnixNano"`
				ObservedTimeUnixNano string        `json:"observedTimeUnixNano"`
				Body                 otlpJSONValue `json:"body"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

// exportedRecord is a log record from the file exporter's output with its resource's attributes
// and its body's columns by name.
type exportedRecord struct {
	resource             map[string]otlpJSONValue
	timeUnixNano         string
	observedTimeUnixNano string
	columns              map[string]otlpJSONValue
}

// kind is the value's OTLP/JSON type key.
func (v otlpJSONValue) kind() string {
	for k := range v {
		return k
	}
	return ""
}

// str is a stringValue's text ("" for other kinds).
func (v otlpJSONValue) str() string {
	var s string
	_ = json.Unmarshal(v["stringValue"], &s)
	return s
}

// kvlist is a kvlistValue's entries by key (nil for other kinds).
func (v otlpJSONValue) kvlist() map[string]otlpJSONValue {
	var list struct {
		Values []otlpJSONKeyValue `json:"values"`
	}
	if json.Unmarshal(v["kvlistValue"], &list) != nil {
		return nil
	}
	return keyValues(list.Values)
}

// reportID is the ReportId column of a record (0 when absent).
func (r exportedRecord) reportID() int64 {
	var text string
	_ = json.Unmarshal(r.columns["ReportId"]["intValue"], &text) // OTLP/JSON writes 64-bit integers as strings
	id, _ := strconv.ParseInt(text, 10, 64)
	return id
}

func keyValues(list []otlpJSONKeyValue) map[string]otlpJSONValue {
	m := make(map[string]otlpJSONValue, len(list))
	for _, kv := range list {
		m[kv.Key] = kv.Value
	}
	return m
}

// readExportedRecords reads every record of a file exporter's output.
func readExportedRecords(t *testing.T, path string) []exportedRecord {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var records []exportedRecord
	// A line holds a whole batch, often beyond bufio.Scanner's line limit: decode the stream.
	dec := json.NewDecoder(f)
	for {
		var line otlpJSONLogs
		err := dec.Decode(&line)
		if errors.Is(err, io.EOF) {
			return records
		}
		require.NoError(t, err, "reading %s", path)
		for _, rl := range line.ResourceLogs {
			resource := keyValues(rl.Resource.Attributes)
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					records = append(records, exportedRecord{
						resource:             resource,
						timeUnixNano:         lr.TimeUnixNano,
						observedTimeUnixNano: lr.ObservedTimeUnixNano,
						columns:              lr.Body.kvlist(),
					})
				}
			}
		}
	}
}

// deliveredToFile counts the deliveries per ReportId in a file exporter's output so far. A file
// not yet created, or caught in the middle of a write, gives an error the caller polls past.
func deliveredToFile(path string) (map[int64]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return simulator.ReadDelivered(f)
}
