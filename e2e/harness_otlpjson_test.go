package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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
				TimeUnixNano         string             `json:"timeUnixNano"`
				ObservedTimeUnixNano string             `json:"observedTimeUnixNano"`
				EventName            string             `json:"eventName"`
				Attributes           []otlpJSONKeyValue `json:"attributes"`
				Body                 otlpJSONValue      `json:"body"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

// exportedRecord is a log record from the file exporter's output with its resource's attributes,
// its attributes, and its columns by name: its body's map, or its attributes when the columns are
// there (columns_in: attributes).
type exportedRecord struct {
	resource             map[string]otlpJSONValue
	timeUnixNano         string
	observedTimeUnixNano string
	eventName            string
	attributes           map[string]otlpJSONValue
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
	id, _ := integer(r.columns["ReportId"])
	return id
}

// integer reads v as an integer. An int may arrive in another form: OTLP/JSON writes an intValue as
// a string of digits, and the splunk_hec receiver decodes a HEC event's JSON numbers into doubles.
func integer(v otlpJSONValue) (int64, bool) {
	switch v.kind() {
	case "intValue":
		id, err := strconv.ParseInt(strings.Trim(string(v["intValue"]), `"`), 10, 64)
		return id, err == nil
	case "doubleValue":
		var f float64
		err := json.Unmarshal(v["doubleValue"], &f)
		return int64(f), err == nil && f == math.Trunc(f)
	case "stringValue":
		id, err := strconv.ParseInt(v.str(), 10, 64)
		return id, err == nil
	}
	return 0, false
}

func keyValues(list []otlpJSONKeyValue) map[string]otlpJSONValue {
	m := make(map[string]otlpJSONValue, len(list))
	for _, kv := range list {
		m[kv.Key] = kv.Value
	}
	return m
}

// recordColumns are a record's columns: its body's, a map or the row's JSON text (columns_in: body
// or json), or else its attributes.
func recordColumns(attributes []otlpJSONKeyValue, body otlpJSONValue) map[string]otlpJSONValue {
	if columns := body.kvlist(); len(columns) > 0 {
		return columns
	}
	if columns := columnsOfJSONText(body.str()); len(columns) > 0 {
		return columns
	}
	return keyValues(attributes)
}

// columnsOfJSONText reads a row's JSON text into the OTLP/JSON values the same columns would have
// in a map body: strings as stringValue, integers as intValue, other numbers as doubleValue, and
// anything else as its JSON text; nil when text is not a JSON object.
func columnsOfJSONText(text string) map[string]otlpJSONValue {
	var row map[string]json.RawMessage
	if !strings.HasPrefix(text, "{") || json.Unmarshal([]byte(text), &row) != nil {
		return nil
	}
	columns := make(map[string]otlpJSONValue, len(row))
	for name, raw := range row {
		kind := "jsonValue"
		switch raw[0] {
		case 'n':
			continue // null: a map body leaves the column out
		case '"':
			kind, raw = "stringValue", reencoded(raw)
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			kind = "doubleValue"
			if _, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				kind, raw = "intValue", json.RawMessage(`"`+string(raw)+`"`) // as OTLP/JSON writes an int
			}
		}
		columns[name] = otlpJSONValue{kind: raw}
	}
	return columns
}

// reencoded writes a JSON string as the collector's OTLP/JSON does (no HTML escaping), so that it
// compares equal to the same string in an attribute.
func reencoded(raw json.RawMessage) json.RawMessage {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return raw
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// decodeRecords reads every record of OTLP/JSON lines, as the file exporter writes them.
func decodeRecords(r io.Reader) ([]exportedRecord, error) {
	var records []exportedRecord
	// A line holds a whole batch, often beyond bufio.Scanner's line limit: decode the stream.
	dec := json.NewDecoder(r)
	for {
		var line otlpJSONLogs
		err := dec.Decode(&line)
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		if err != nil {
			return nil, err
		}
		for _, rl := range line.ResourceLogs {
			resource := keyValues(rl.Resource.Attributes)
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					records = append(records, exportedRecord{
						resource:             resource,
						timeUnixNano:         lr.TimeUnixNano,
						observedTimeUnixNano: lr.ObservedTimeUnixNano,
						eventName:            lr.EventName,
						attributes:           keyValues(lr.Attributes),
						columns:              recordColumns(lr.Attributes, lr.Body),
					})
				}
			}
		}
	}
}

// exportedFile is a file exporter's output, read as it grows. The exporter writes each request as
// one line of OTLP/JSON; a last line without its newline is being written, or was cut short when the
// collector was killed, and its records are not counted: they did not reach the file whole.
type exportedFile struct {
	path   string
	read   int64         // bytes of whole lines counted so far
	counts map[int64]int // deliveries per ReportId in those lines
}

// newExportedFile names a file for a file exporter's output in a directory of the test.
func newExportedFile(t *testing.T) *exportedFile {
	return &exportedFile{path: filepath.Join(t.TempDir(), "events.json"), counts: map[int64]int{}}
}

// delivered counts the deliveries per ReportId in the whole lines written so far. It reads only
// what was added since it was last called: a burst's output runs into gigabytes, which polling
// could not read again and again.
func (f *exportedFile) delivered() (map[int64]int, error) {
	file, err := os.Open(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[int64]int{}, nil // the exporter creates the file with its first write
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if _, err := file.Seek(f.read, io.SeekStart); err != nil {
		return nil, err
	}
	added, err := io.ReadAll(file)
	if err != nil {
		return nil, err
	}
	whole := wholeLines(added)
	counts, err := simulator.ReadDelivered(bytes.NewReader(whole))
	if err != nil {
		return nil, fmt.Errorf("%s after byte %d: %w", f.path, f.read, err)
	}
	for id, n := range counts {
		f.counts[id] += n
	}
	f.read += int64(len(whole))
	return maps.Clone(f.counts), nil
}

// records decodes every record in the whole lines written so far, reading the file from its start:
// for outputs of thousands of records, not for a burst.
func (f *exportedFile) records() ([]exportedRecord, error) {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	records, err := decodeRecords(bytes.NewReader(wholeLines(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return records, nil
}

// wholeLines cuts data after its last newline.
func wholeLines(data []byte) []byte {
	return data[:bytes.LastIndexByte(data, '\n')+1]
}

// deliveredByQuery counts the deliveries per ReportId of each query, by the query name on the
// records' resource.
func deliveredByQuery(records []exportedRecord) map[string]map[int64]int {
	byQuery := map[string]map[int64]int{}
	for _, r := range records {
		query := r.resource[attrQueryName].str()
		if byQuery[query] == nil {
			byQuery[query] = map[int64]int{}
		}
		byQuery[query][r.reportID()]++
	}
	return byQuery
}
