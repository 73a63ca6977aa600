package simulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// queryStats imitates the response's "Stats". Clients are not expected to
// use it beyond logging; the numbers are plausible, not measured, except the
// execution time and the row count.
type queryStats struct {
	ExecutionTime     float64             `json:"ExecutionTime"`
	ResourceUsage     resourceUsage       `json:"resource_usage"`
	DatasetStatistics []datasetStatistics `json:"dataset_statistics"`
}

type resourceUsage struct {
	Cache struct {
		Memory cacheCounts `json:"memory"`
		Disk   cacheCounts `json:"disk"`
	} `json:"cache"`
	CPU struct {
		User   string `json:"user"`
		Kernel string `json:"kernel"`
		Total  string `json:"total cpu"`
	} `json:"cpu"`
	Memory struct {
		PeakPerNode int64 `json:"peak_per_node"`
	} `json:"memory"`
}

type cacheCounts struct {
	Hits   int64 `json:"hits"`
	Misses int64 `json:"misses"`
	Total  int64 `json:"total"`
}

type datasetStatistics struct {
	TableRowCount int64 `json:"table_row_count"`
	TableSize     int64 `json:"table_size"`
}

type schemaColumn struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// approximateRowSize estimates table_size; Stats is written before the rows,
// so the real size is not known yet.
const approximateRowSize = 1500

func newQueryStats(rows int, elapsed time.Duration) queryStats {
	var s queryStats
	s.ExecutionTime = elapsed.Seconds()
	s.ResourceUsage.Cache.Memory = cacheCounts{Hits: 773461 + int64(rows), Misses: 4481, Total: 777942 + int64(rows)}
	s.ResourceUsage.Cache.Disk = cacheCounts{Hits: 994, Misses: 197, Total: 1191}
	s.ResourceUsage.CPU.User = formatTimespan(elapsed.Truncate(tick))
	s.ResourceUsage.CPU.Kernel = "00:00:00"
	s.ResourceUsage.CPU.Total = s.ResourceUsage.CPU.User
	s.ResourceUsage.Memory.PeakPerNode = 236822432
	s.DatasetStatistics = []datasetStatistics{{TableRowCount: int64(rows), TableSize: int64(rows) * approximateRowSize}}
	return s
}

// writeLegacyResultsHead writes {"Stats":...,"Schema":[...],"Results":[ in
// that order, as the legacy API does.
func writeLegacyResultsHead(out *bufio.Writer, encoder *rowEncoder, rows int, elapsed time.Duration) error {
	schema := make([]schemaColumn, len(encoder.columns))
	for i, c := range encoder.columns {
		schema[i] = schemaColumn{Name: c.name, Type: c.typeName}
	}
	out.WriteString(`{"Stats":`)
	if err := encoder.writeValue(out, newQueryStats(rows, elapsed)); err != nil {
		return err
	}
	out.WriteString(`,"Schema":`)
	if err := encoder.writeValue(out, schema); err != nil {
		return err
	}
	out.WriteString(`,"Results":[`)
	return nil
}

// bodyBreak interrupts a 200 body in the middle of the row that follows
// the first afterRows rows (or before the closing bracket when there is no
// such row), for faults that cut off or stall a response.
type bodyBreak struct {
	afterRows int
	// pause is called once what was written so far has been sent to the
	// client; an error ends the body there.
	pause func() error
}

// writeResults streams the 200 response in api's layout: the head (the
// legacy API's Stats and Schema, or Graph's context and schema), then the
// rows, each encoded and written as it is generated, so that a 100,000-row
// answer never sits in memory whole. brk, when not nil, interrupts it; rendered, when not nil,
// gives the rows written before and keeps those written now.
func writeResults(w http.ResponseWriter, api huntingAPI, columns []column, rows []event, elapsed time.Duration, brk *bodyBreak, rendered *renderedTable) error {
	w.Header().Set("Content-Type", api.resultsContentType())
	w.WriteHeader(http.StatusOK)
	out := bufio.NewWriterSize(w, 64<<10)
	encoder := newRowEncoder(columns, api == graphAPI)
	interrupt := func(written []byte) error {
		if _, err := out.Write(written); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if err := http.NewResponseController(w).Flush(); err != nil {
			return err
		}
		return brk.pause()
	}

	if err := api.writeResultsHead(out, encoder, len(rows), elapsed); err != nil {
		return err
	}
	for i, e := range rows {
		if i > 0 {
			out.WriteByte(',')
		}
		row, ok := rendered.get(e)
		if !ok {
			if err := encoder.encodeRow(e); err != nil {
				return err
			}
			row = encoder.buffer.Bytes()
			rendered.put(e, row)
		}
		if brk != nil && i == brk.afterRows {
			half := len(row) / 2
			if err := interrupt(row[:half]); err != nil {
				return err
			}
			row = row[half:]
		}
		if _, err := out.Write(row); err != nil {
			return err
		}
	}
	if brk != nil && brk.afterRows >= len(rows) {
		if err := interrupt(nil); err != nil {
			return err
		}
	}
	out.WriteString("]}")
	return out.Flush()
}

// resultSample is how many rows estimateResultBytes encodes.
const resultSample = 64

// estimateResultBytes estimates how large the Results of rows will be from
// the encoded size of the first few. The service refuses a result that is
// too large before it answers, so the estimate must come before the 200.
// A row that cannot be encoded counts as empty: writing it fails later.
func estimateResultBytes(columns []column, rows []event) int64 {
	sample := rows[:min(len(rows), resultSample)]
	if len(sample) == 0 {
		return 0
	}
	encoder := newRowEncoder(columns, false)
	total := int64(0)
	for _, e := range sample {
		if encoder.encodeRow(e) == nil {
			total += int64(encoder.buffer.Len()) + 1 // and a comma
		}
	}
	return total * int64(len(rows)) / int64(len(sample))
}

// rowEncoder writes rows as JSON objects whose keys follow the schema order
// (encoding/json would sort map keys).
type rowEncoder struct {
	columns []column
	keys    [][]byte // each column's quoted name and colon
	// dynamicAsText writes nested dynamic values as their JSON text in a
	// string, as Graph does; the legacy API sends some of them nested.
	dynamicAsText bool
	buffer        bytes.Buffer
	json          *json.Encoder
}

func newRowEncoder(columns []column, dynamicAsText bool) *rowEncoder {
	e := &rowEncoder{columns: columns, dynamicAsText: dynamicAsText}
	e.json = json.NewEncoder(&e.buffer)
	// Keep <, > and & as they are, as the service's serializer does.
	e.json.SetEscapeHTML(false)
	for _, c := range columns {
		key, _ := json.Marshal(c.name) // a string always marshals
		e.keys = append(e.keys, append(key, ':'))
	}
	return e
}

// encodeRow leaves the row's JSON in the buffer.
func (e *rowEncoder) encodeRow(row event) error {
	e.buffer.Reset()
	e.buffer.WriteByte('{')
	for i, c := range e.columns {
		if i > 0 {
			e.buffer.WriteByte(',')
		}
		e.buffer.Write(e.keys[i])
		v := jsonValue(c, c.value(row))
		if e.dynamicAsText && c.kind == kindDynamic {
			var err error
			if v, err = e.asText(v); err != nil {
				return fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		if err := e.encode(v); err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	e.buffer.WriteByte('}')
	return nil
}

func (e *rowEncoder) writeValue(out *bufio.Writer, v any) error {
	e.buffer.Reset()
	if err := e.encode(v); err != nil {
		return err
	}
	_, err := out.Write(e.buffer.Bytes())
	return err
}

// encode appends v to the buffer without the newline json.Encoder adds.
// The values most rows are made of (nulls, longs, bools and text that
// needs no escaping) are written directly, exactly as encoding/json would
// write them: reflection would double the time a 100,000-row page takes.
func (e *rowEncoder) encode(v any) error {
	switch v := v.(type) {
	case nil:
		e.buffer.WriteString("null")
		return nil
	case int64:
		e.buffer.Write(strconv.AppendInt(e.buffer.AvailableBuffer(), v, 10))
		return nil
	case bool:
		e.buffer.WriteString(strconv.FormatBool(v))
		return nil
	case string:
		if needsNoEscaping(v) {
			e.buffer.WriteByte('"')
			e.buffer.WriteString(v)
			e.buffer.WriteByte('"')
			return nil
		}
	}
	if err := e.json.Encode(v); err != nil {
		return err
	}
	e.buffer.Truncate(e.buffer.Len() - 1)
	return nil
}

// asText returns a nested dynamic value as its JSON text, encoded as encode
// encodes it; nulls and values that are text already stay as they are. The
// text is encoded at the end of the buffer, then taken away.
func (e *rowEncoder) asText(v any) (any, error) {
	switch v.(type) {
	case nil, string:
		return v, nil
	}
	mark := e.buffer.Len()
	if err := e.encode(v); err != nil {
		return nil, err
	}
	text := string(e.buffer.Bytes()[mark:])
	e.buffer.Truncate(mark)
	return text, nil
}

// needsNoEscaping reports whether s is printable ASCII without quotes or
// backslashes, which JSON (with HTML escaping off) writes as it is.
func needsNoEscaping(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f || b == '"' || b == '\\' {
			return false
		}
	}
	return true
}

// jsonValue converts a column value to what the service sends: datetimes
// with seven fractional digits, timespans in .NET's text form, and bools of
// SByte columns as 0 or 1.
func jsonValue(c column, v any) any {
	switch v := v.(type) {
	case time.Time:
		return formatDatetime(v)
	case time.Duration:
		return formatTimespan(v)
	case bool:
		if c.boolAsNumber {
			return boolRank(v)
		}
	}
	return v
}
