// Package rowconv turns advanced hunting result rows into typed OTLP attributes, following the
// column types in the response's Schema.
package rowconv

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

// Converter converts the rows of one response; built once per response from its Schema so that the
// per-row path does no type-name parsing.
type Converter struct {
	cols []column
	// keys holds one empty attribute per column, in Schema order. pcommon.Map's Put methods scan
	// the whole map for an existing key before appending, which for ~70 columns made that scan
	// half the cost of a row; copying keys in one go and then setting values in place skips it.
	keys pcommon.Map
	// byName lets Convert tell row keys absent from the Schema; it is only consulted when a row
	// has more keys than the Schema columns it holds.
	byName  map[string]struct{}
	unknown []string
	// tsIndex is the timestamp column's position in cols, or -1 when the Schema lacks it; tsName
	// is then looked up in the row directly.
	tsIndex int
	tsName  string
}

type column struct {
	name string
	kind kind
}

// Outcome is what Convert learned from a row besides its attributes.
type Outcome struct {
	Timestamp  time.Time // zero when the timestamp column is missing, null or unparseable
	Mismatched int       // values that did not fit their column's type (kept as strings, never dropped)
}

// NewConverter resolves each Schema column's type once. timestampColumn names the column holding
// the event time, matched exactly or, when no column has exactly that name, case-insensitively.
func NewConverter(schema []huntingapi.Column, timestampColumn string) *Converter {
	c := &Converter{
		cols:    make([]column, 0, len(schema)),
		keys:    pcommon.NewMap(),
		byName:  make(map[string]struct{}, len(schema)),
		tsIndex: -1,
		tsName:  timestampColumn,
	}
	c.keys.EnsureCapacity(len(schema))
	for _, sc := range schema {
		// Kusto forbids duplicate column names; should a Schema repeat one anyway, the first wins
		// so that each row key is written and counted once.
		if _, dup := c.byName[sc.Name]; dup {
			continue
		}
		c.byName[sc.Name] = struct{}{}
		k, ok := kindOf(sc.Type)
		if !ok && !slices.Contains(c.unknown, sc.Type) {
			c.unknown = append(c.unknown, sc.Type)
		}
		c.cols = append(c.cols, column{name: sc.Name, kind: k})
		c.keys.PutEmpty(sc.Name)
	}
	if timestampColumn != "" {
		c.tsIndex = slices.IndexFunc(c.cols, func(col column) bool { return col.name == timestampColumn })
		if c.tsIndex < 0 {
			c.tsIndex = slices.IndexFunc(c.cols, func(col column) bool {
				return strings.EqualFold(col.name, timestampColumn)
			})
		}
	}
	return c
}

// UnknownTypes lists the Schema type names this converter did not recognise (their values are kept as
// their JSON type gives them) so the caller can log each once.
func (c *Converter) UnknownTypes() []string {
	return slices.Clone(c.unknown)
}

// Convert writes the row's columns as typed attributes into attrs (pcommon.Map, in Schema order; columns
// absent from Schema are added too, typed by their JSON value) and returns the event time read from the
// timestamp column.
func (c *Converter) Convert(row map[string]any, attrs pcommon.Map) Outcome {
	var out Outcome
	present := 0 // Schema columns found in the row, null or not
	if attrs.Len() == 0 && len(c.cols) > 0 {
		// The usual case, a new log record: lay down every column's key at once, fill the values
		// in place (Map.All yields them in storage order, which is Schema order), then drop the
		// keys of null and missing columns.
		attrs.EnsureCapacity(max(len(c.cols), len(row)))
		c.keys.CopyTo(attrs)
		i, holes := 0, 0
		for _, dst := range attrs.All() {
			v, ok := row[c.cols[i].name]
			if ok {
				present++
			}
			if v == nil {
				holes++
			} else {
				c.convertColumn(i, v, dst, &out)
			}
			i++
		}
		if holes > 0 {
			attrs.RemoveIf(isEmpty)
		}
	} else {
		// attrs already holds attributes: Put, which overwrites an existing key of the same name.
		attrs.EnsureCapacity(attrs.Len() + len(row))
		for i := range c.cols {
			name := c.cols[i].name
			v, ok := row[name]
			if !ok {
				continue
			}
			present++
			if v != nil {
				c.convertColumn(i, v, attrs.PutEmpty(name), &out)
			}
		}
	}
	if c.tsIndex < 0 && c.tsName != "" {
		if v, ok := row[c.tsName]; ok {
			out.Timestamp = timestampOf(v)
		}
	}
	if present < len(row) {
		c.putExtra(row, attrs)
	}
	return out
}

// convertColumn sets dst from the non-null value v of column i.
func (c *Converter) convertColumn(i int, v any, dst pcommon.Value, out *Outcome) {
	if !setTyped(dst, c.cols[i].kind, v) {
		out.Mismatched++
	}
	if i == c.tsIndex {
		out.Timestamp = timestampOf(v)
	}
}

// isEmpty finds the placeholders of null and missing columns: every value Convert sets is
// non-empty, since a JSON null never reaches setTyped.
func isEmpty(_ string, v pcommon.Value) bool { return v.Type() == pcommon.ValueTypeEmpty }

// timestampOf reads the event time from the timestamp column's value, whatever the column's type:
// a query may have turned it into a string with tostring() or the like.
func timestampOf(v any) time.Time {
	if s, ok := v.(string); ok {
		if t, ok := ParseDateTime(s); ok {
			return t
		}
	}
	return time.Time{}
}

// putExtra adds the row keys the Schema does not list, in sorted order so that output is stable.
// It is off the common path: the service's rows match their Schema.
func (c *Converter) putExtra(row map[string]any, attrs pcommon.Map) {
	var extra []string
	for k := range row {
		if _, known := c.byName[k]; !known {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		if v := row[k]; v != nil {
			setJSON(attrs.PutEmpty(k), v)
		}
	}
}

// setTyped sets dst from v (not nil) as kind k prescribes. It returns false when v did not fit k;
// the value is then kept as its text, since dropping data is worse than a loosely typed value.
func setTyped(dst pcommon.Value, k kind, v any) bool {
	switch k {
	case kindString, kindGUID:
		if s, ok := v.(string); ok {
			dst.SetStr(s)
			return true
		}
	case kindInt:
		if i, ok := intOf(v); ok {
			dst.SetInt(i)
			return true
		}
	case kindDouble:
		if f, ok := doubleOf(v); ok {
			dst.SetDouble(f)
			return true
		}
	case kindBool:
		if b, ok := boolOf(v); ok {
			dst.SetBool(b)
			return true
		}
	case kindDateTime:
		// The text is kept as sent: it carries 100 ns ticks, more than most consumers of a parsed
		// time would keep, and parsing only vets it.
		if s, ok := v.(string); ok {
			dst.SetStr(s)
			_, valid := ParseDateTime(s)
			return valid
		}
	case kindTimespan:
		if s, ok := v.(string); ok {
			dst.SetStr(s)
			return true
		}
	case kindDecimal:
		// A decimal has up to 34 significant digits: its exact text is kept, never a float64.
		switch d := v.(type) {
		case json.Number:
			dst.SetStr(string(d))
			return true
		case string:
			dst.SetStr(d)
			return isNumberText(d)
		}
	case kindDynamic:
		setDynamic(dst, v)
		return true
	default: // kindUnknown
		setJSON(dst, v)
		return true
	}
	dst.SetStr(textOf(v))
	return false
}

// intOf accepts a JSON number that is an exact integer, or a quoted integer (serialisers quote
// 64-bit integers for JavaScript's sake).
func intOf(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		return exactInt(string(n))
	case string:
		return parseIntLiteral(n)
	}
	return 0, false
}

// doubleOf accepts a JSON number, and the texts Kusto writes for reals JSON cannot express.
func doubleOf(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		return parseFloat(string(n))
	case string:
		switch {
		case strings.EqualFold(n, "NaN"):
			return math.NaN(), true
		case strings.EqualFold(n, "Infinity"):
			return math.Inf(1), true
		case strings.EqualFold(n, "-Infinity"):
			return math.Inf(-1), true
		}
	}
	return 0, false
}

// boolOf accepts true/false, the numbers 0 and 1, and those four as text in any case, since bool
// columns travel as SByte in some clients.
func boolOf(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case json.Number:
		if i, ok := exactInt(string(b)); ok && (i == 0 || i == 1) {
			return i == 1, true
		}
	case string:
		switch {
		case b == "1" || strings.EqualFold(b, "true"):
			return true, true
		case b == "0" || strings.EqualFold(b, "false"):
			return false, true
		}
	}
	return false, false
}
