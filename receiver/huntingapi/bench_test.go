package huntingapi_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/rowconv"
)

// BenchmarkResponse measures one response body turned into log records several ways, in one run so
// that their ratios can be read off together (see docs/performance.md):
//
//   - ours: the client's streaming decoder and the row converter, with the columns in the
//     attributes and nothing else: each row into one map of a new record;
//   - ours-body: the same into the body's map (columns_in: body);
//   - ours-uid: ours-body with each record's table and event id (log.record.uid);
//   - ours-default: ours-uid with the semantic attributes too: the receiver's record with
//     columns_in: body;
//   - ours-json: the receiver's default record (columns_in: json): the row's JSON text as the
//     body, with the table, event id and semantic attributes;
//   - ours-both: ours with columns_in: both, the columns copied from the body into the
//     attributes as the poller does: what the second map costs;
//   - baseline: the naive way, encoding/json into map[string]any, then each map into attributes
//     with the same typing rules;
//   - floor-jsontext and floor-jsonscan: the two fastest passes found that only tokenise the same
//     bytes, producing nothing: jsontext, reading each row as one value, and our own decoder with
//     rows only checked (jsonscan) instead of converted;
//   - records: no JSON at all, only the same records built from attributes already in memory:
//     what pdata costs whatever the decoder, to tell where ours spends its time.
//
// Each reports ns/row, MB/s of response JSON, allocs/row and B/row (bytes allocated per row). A last
// line, "ratios", reports ours against the targets: baseline-time/ours (>= 4), ours-time/floor
// against each floor (<= 2.5) and ours-allocs/baseline (<= 0.25), and the same for
// ours-both against the faster floor and the baseline; it also reports what the default record
// adds per row: the event id (uid-ns/row, ours-uid less ours-body) and the semantic attributes
// (semantic-ns/row, ours-default less ours-uid), and ours-default against ours. A time-based -benchtime gives the
// 1,000-row passes hundreds of iterations and the 100,000-row ones a few:
//
//	go test ./receiver/huntingapi -run '^$' -bench BenchmarkResponse -benchtime 2s
func BenchmarkResponse(b *testing.B) {
	for _, rows := range []int{1_000, 100_000} {
		// Generated on first use: a 100,000-row body takes seconds to make, wasted when -bench
		// leaves its passes out.
		body := sync.OnceValue(func() []byte { return benchResponse(rows) })
		results := map[string]rowCost{}
		for _, pass := range []struct {
			name string
			// prepare returns the timed pass over body.
			prepare func(body []byte) func() error
		}{
			{"ours", over(decodeToRecords(recordShape{attributes: true}))},
			{"ours-body", over(decodeToRecords(recordShape{body: true}))},
			{"ours-uid", over(decodeToRecords(recordShape{body: true, table: true}))},
			{"ours-default", over(decodeToRecords(recordShape{body: true, table: true, semantic: true}))},
			{"ours-json", over(decodeToRecords(recordShape{json: true, table: true, semantic: true}))},
			{"ours-both", over(decodeToRecords(recordShape{attributes: true, body: true}))},
			{"baseline", over(naiveDecodeToRecords)},
			{"floor-jsontext", over(tokenizeOnly)},
			{"floor-jsonscan", over(checkOnly)},
			{"records", recordsOnly},
		} {
			b.Run(fmt.Sprintf("rows=%d/%s", rows, pass.name), func(b *testing.B) {
				results[pass.name] = measure(b, rows, len(body()), pass.prepare(body()))
			})
		}
		ours, both, baseline := results["ours"], results["ours-both"], results["baseline"]
		jsontextFloor, jsonscanFloor := results["floor-jsontext"], results["floor-jsonscan"]
		if ours.ns == 0 || both.ns == 0 || baseline.ns == 0 || jsontextFloor.ns == 0 || jsonscanFloor.ns == 0 {
			continue // filtered out by -bench
		}
		b.Run(fmt.Sprintf("rows=%d/ratios", rows), func(b *testing.B) {
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(baseline.ns/ours.ns, "baseline-time/ours")
			b.ReportMetric(ours.ns/jsontextFloor.ns, "ours-time/floor-jsontext")
			b.ReportMetric(ours.ns/jsonscanFloor.ns, "ours-time/floor-jsonscan")
			b.ReportMetric(ours.allocs/baseline.allocs, "ours-allocs/baseline")
			b.ReportMetric(baseline.ns/both.ns, "baseline-time/ours-both")
			b.ReportMetric(both.ns/jsonscanFloor.ns, "ours-both-time/floor-jsonscan")
			b.ReportMetric(both.allocs/baseline.allocs, "ours-both-allocs/baseline")
			if body, uid, def := results["ours-body"], results["ours-uid"], results["ours-default"]; def.ns > 0 {
				b.ReportMetric(uid.ns-body.ns, "uid-ns/row")
				b.ReportMetric(def.ns-uid.ns, "semantic-ns/row")
				b.ReportMetric(def.ns/ours.ns, "ours-default-time/ours")
				if json := results["ours-json"]; json.ns > 0 {
					b.ReportMetric(def.ns/json.ns, "ours-default-time/ours-json")
				}
			}
		})
	}
}

// rowCost is what one row cost a pass.
type rowCost struct{ ns, allocs, bytes float64 }

func over(pass func(body []byte) error) func(body []byte) func() error {
	return func(body []byte) func() error {
		return func() error { return pass(body) }
	}
}

func measure(b *testing.B, rows, bodySize int, pass func() error) rowCost {
	b.SetBytes(int64(bodySize))
	// One untimed pass first: the first pass of a process also pays for growing its heap from
	// nothing, and ours comes first.
	if err := pass(); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if err := pass(); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	n := float64(b.N * rows)
	cost := rowCost{
		ns:     float64(b.Elapsed().Nanoseconds()) / n,
		allocs: float64(after.Mallocs-before.Mallocs) / n,
		bytes:  float64(after.TotalAlloc-before.TotalAlloc) / n,
	}
	b.ReportMetric(cost.ns, "ns/row")
	b.ReportMetric(cost.allocs, "allocs/row")
	b.ReportMetric(cost.bytes, "B/row")
	return cost
}

// batchSize is the receiver's default batch_size: records go to the pipeline, and out of the
// receiver's hands, in batches of this many.
const batchSize = 5000

// recordBatches collects records as the receiver's page delivery does, and hands each full batch
// on (here: drops it, as an exporter would once it is sent).
type recordBatches struct {
	records plog.LogRecordSlice
	n       int // records in the current batch
}

func (r *recordBatches) next() plog.LogRecord {
	if r.n%batchSize == 0 {
		r.records = plog.NewLogs().ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	}
	r.n++
	return r.records.AppendEmpty()
}

// recordShape is what a record holds besides its timestamp: the columns in the attributes, the
// body or both, and with table the table's name and event id (and semantic attributes).
type recordShape struct {
	attributes, body bool
	json             bool // the body is the row's JSON text
	table, semantic  bool
}

// recordSink is ours: each row is converted straight into a new record as the poller does: into its
// attributes or its body, with both copied from the body into the attributes.
type recordSink struct {
	recordBatches
	converter *rowconv.Converter
	scratch   plog.LogRecord
	shape     recordShape
}

func (s *recordSink) Schema(columns []huntingapi.Column) error {
	s.converter = rowconv.NewConverter(columns, "Timestamp", "Timestamp")
	if s.shape.table {
		s.converter.ForTable("DeviceProcessEvents", s.shape.semantic)
	}
	return nil
}

// Row converts into a scratch record, as the poller does, so that a row cut off by the decoder's
// buffer leaves no record behind.
func (s *recordSink) Row(data []byte) (int, error) {
	attributes := s.scratch.Attributes()
	columns := attributes
	if s.shape.body {
		columns = s.scratch.Body().SetEmptyMap()
	}
	var out rowconv.Outcome
	var err error
	if s.shape.json {
		out, err = convertText(s.converter, data, s.scratch.Body(), attributes)
	} else {
		out, err = convertRow(s.converter, data, columns, attributes)
	}
	if err != nil {
		return 0, err
	}
	s.scratch.SetTimestamp(pcommon.NewTimestampFromTime(out.Timestamp))
	s.scratch.SetEventName(out.Table)
	if s.shape.body && s.shape.attributes {
		columns.CopyTo(attributes)
	}
	s.scratch.MoveTo(s.next())
	return out.Len, nil
}

// convertRow converts the row at the start of data as a ResultHandler must.
func convertRow(c *rowconv.Converter, data []byte, columns, attributes pcommon.Map) (rowconv.Outcome, error) {
	out, err := c.Convert(data, columns, attributes)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return out, huntingapi.ErrIncompleteRow
	}
	return out, err
}

// convertText is convertRow for a body that is the row's JSON text.
func convertText(c *rowconv.Converter, data []byte, body pcommon.Value, attributes pcommon.Map) (rowconv.Outcome, error) {
	out, text, err := c.ConvertText(data, attributes)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return out, huntingapi.ErrIncompleteRow
	}
	body.SetStr(text)
	return out, err
}

func decodeToRecords(shape recordShape) func(body []byte) error {
	return func(body []byte) error {
		sink := &recordSink{scratch: plog.NewLogRecord(), shape: shape}
		_, err := huntingapi.DecodeResponse(bytes.NewReader(body), sink)
		return err
	}
}

// recordsOnly prepares the records pass: the body's rows are converted beforehand, and the pass
// only copies those attributes into new records, batched like ours.
func recordsOnly(body []byte) func() error {
	rows := &recordCollector{}
	_, err := huntingapi.DecodeResponse(bytes.NewReader(body), rows)
	return func() error {
		var batches recordBatches
		for _, attrs := range rows.attrs {
			record := batches.next()
			attrs.CopyTo(record.Attributes())
			record.SetTimestamp(pcommon.NewTimestampFromTime(time.Time{}))
		}
		return err
	}
}

// tokenizeOnly is the floor: it reads every byte as JSON and checks its syntax, nothing more. It
// steps into the envelope and its arrays token by token and reads each element (a row) as one
// value, the fastest such pass measured (see docs/performance.md).
func tokenizeOnly(body []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	for {
		var err error
		switch kind := dec.PeekKind(); {
		case kind == '{' || kind == '[':
			if dec.StackDepth() < 2 {
				_, err = dec.ReadToken()
			} else {
				_, err = dec.ReadValue()
			}
		case kind == '}' || kind == ']' || kind == 0: // 0: the end, or an error ReadToken reports
			_, err = dec.ReadToken()
		default:
			_, err = dec.ReadValue()
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// checkOnly is the other floor: the receiver's own decoder, its rows only checked to be JSON by the
// scanner the converter reads them with, never converted.
func checkOnly(body []byte) error {
	_, err := huntingapi.DecodeResponse(bytes.NewReader(body), rowChecker{})
	return err
}

type rowChecker struct{}

func (rowChecker) Schema([]huntingapi.Column) error { return nil }

func (rowChecker) Row(data []byte) (int, error) {
	n, err := jsonscan.ValueLen(data)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, huntingapi.ErrIncompleteRow
	}
	return n, err
}

// The benchmark's passes must read the same rows, and ours and the baseline must make the
// same records of them, or the comparison means nothing.
func TestBenchmarkPassesAgree(t *testing.T) {
	const rows = 300
	body := benchResponse(rows)
	for _, floor := range []func([]byte) error{tokenizeOnly, checkOnly} {
		if err := floor(body); err != nil {
			t.Fatal(err)
		}
	}

	ours := &recordCollector{}
	if _, err := huntingapi.DecodeResponse(bytes.NewReader(body), ours); err != nil {
		t.Fatal(err)
	}
	conv, naiveRows, err := naiveDecode(body)
	if err != nil {
		t.Fatal(err)
	}
	var naive []map[string]any
	for _, row := range naiveRows {
		attrs := pcommon.NewMap()
		conv.convert(row, attrs)
		naive = append(naive, attrs.AsRaw())
	}

	if len(ours.attrs) != rows || len(naive) != rows {
		t.Fatalf("ours made %d records, the baseline %d, of %d rows", len(ours.attrs), len(naive), rows)
	}
	if ours.mismatched != 0 {
		t.Errorf("%d values did not fit their column: the generated rows should all fit", ours.mismatched)
	}
	for i := range naive {
		if got := ours.attrs[i].AsRaw(); !reflect.DeepEqual(got, naive[i]) {
			t.Fatalf("row %d differs:\nours     %v\nbaseline %v", i, got, naive[i])
		}
	}
}

// The generated responses hold every Schema type and the widths of DeviceProcessEvents.
func TestBenchResponseIsRealistic(t *testing.T) {
	types := map[string]bool{}
	for _, c := range benchSchema() {
		types[c.Type] = true
	}
	for _, want := range []string{"String", "DateTime", "Int64", "Int32", "Double", "Boolean", "SByte", "TimeSpan", "Guid", "Decimal", "Object"} {
		if !types[want] {
			t.Errorf("no %s column", want)
		}
	}
	const rows = 1000
	perRow := len(benchResponse(rows)) / rows
	if n := len(benchSchema()); n < 65 || n > 75 || perRow < 2000 || perRow > 5000 {
		t.Errorf("%d columns, %d bytes per row: not DeviceProcessEvents-like", n, perRow)
	}
}

// recordCollector keeps each row's attributes.
type recordCollector struct {
	converter  *rowconv.Converter
	attrs      []pcommon.Map
	mismatched int
}

func (c *recordCollector) Schema(columns []huntingapi.Column) error {
	c.converter = rowconv.NewConverter(columns, "Timestamp", "Timestamp")
	return nil
}

func (c *recordCollector) Row(data []byte) (int, error) {
	attrs := pcommon.NewMap()
	out, err := convertRow(c.converter, data, attrs, attrs)
	if err != nil {
		return 0, err
	}
	c.attrs = append(c.attrs, attrs)
	c.mismatched += out.Mismatched
	return out.Len, nil
}
