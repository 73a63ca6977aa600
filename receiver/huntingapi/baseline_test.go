package huntingapi_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/rowconv"
)

// The naive baseline of BenchmarkResponse: the whole body unmarshalled by encoding/json into
// map[string]any (UseNumber, so that integers stay exact), then each row map converted into
// attributes under the same typing rules as package rowconv. It is the receiver's former path
// with the body held whole, kept only as a yardstick. Its conversion already uses the trick the
// old converter used (all keys copied at once, values filled in place), so that the comparison
// is of the decoding, not of a slow conversion.

func naiveDecodeToRecords(body []byte) error {
	conv, rows, err := naiveDecode(body)
	if err != nil {
		return err
	}
	var batches recordBatches
	for _, row := range rows {
		conv.convert(row, batches.next().Attributes())
	}
	return nil
}

// naiveDecode unmarshals the whole body into row maps and prepares their converter.
func naiveDecode(body []byte) (*naiveConverter, []map[string]any, error) {
	var response struct {
		Schema  []huntingapi.Column
		Results []map[string]any
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&response); err != nil {
		return nil, nil, err
	}
	return newNaiveConverter(response.Schema), response.Results, nil
}

type naiveConverter struct {
	names []string
	kinds []string
	keys  pcommon.Map
}

// naiveKinds maps the lower-cased Schema type names to the typing rule they select.
var naiveKinds = map[string]string{
	"string": "string", "guid": "string", "timespan": "string",
	"int": "int", "long": "int", "int16": "int", "int32": "int", "int64": "int", "byte": "int",
	"real": "real", "double": "real", "single": "real",
	"bool": "bool", "boolean": "bool", "sbyte": "bool",
	"datetime": "datetime", "decimal": "decimal", "dynamic": "dynamic", "object": "dynamic",
}

func newNaiveConverter(schema []huntingapi.Column) *naiveConverter {
	c := &naiveConverter{keys: pcommon.NewMap()}
	for _, col := range schema {
		c.names = append(c.names, col.Name)
		c.kinds = append(c.kinds, naiveKinds[strings.TrimPrefix(strings.ToLower(col.Type), "system.")])
		c.keys.PutEmpty(col.Name)
	}
	return c
}

func (c *naiveConverter) convert(row map[string]any, attrs pcommon.Map) {
	attrs.EnsureCapacity(len(c.names))
	c.keys.CopyTo(attrs)
	i := 0
	for _, dst := range attrs.All() {
		if v := row[c.names[i]]; v != nil {
			naiveSetTyped(dst, c.kinds[i], v)
		}
		i++
	}
	attrs.RemoveIf(func(_ string, v pcommon.Value) bool { return v.Type() == pcommon.ValueTypeEmpty })
	if c.names[0] == "Timestamp" { // the record's time, as the receiver reads it
		s, _ := row["Timestamp"].(string)
		rowconv.ParseDateTime(s)
	}
}

func naiveSetTyped(dst pcommon.Value, kind string, v any) {
	switch kind {
	case "string":
		if s, ok := v.(string); ok {
			dst.SetStr(s)
			return
		}
	case "int":
		if n, ok := v.(json.Number); ok {
			if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
				dst.SetInt(i)
				return
			}
		}
	case "real":
		if n, ok := v.(json.Number); ok {
			if f, err := strconv.ParseFloat(string(n), 64); err == nil {
				dst.SetDouble(f)
				return
			}
		}
	case "bool":
		switch b := v.(type) {
		case bool:
			dst.SetBool(b)
			return
		case json.Number:
			dst.SetBool(b == "1")
			return
		}
	case "datetime":
		if s, ok := v.(string); ok {
			dst.SetStr(s)
			rowconv.ParseDateTime(s)
			return
		}
	case "decimal":
		if n, ok := v.(json.Number); ok {
			dst.SetStr(string(n))
			return
		}
	case "dynamic":
		if s, ok := v.(string); ok && (strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")) {
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			var parsed any
			if dec.Decode(&parsed) == nil {
				v = parsed
			}
		}
		naiveSetJSON(dst, v)
		return
	}
	text, _ := json.Marshal(v)
	dst.SetStr(string(text))
}

func naiveSetJSON(dst pcommon.Value, v any) {
	switch v := v.(type) {
	case string:
		dst.SetStr(v)
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			dst.SetInt(i)
		} else if f, err := strconv.ParseFloat(string(v), 64); err == nil && !math.IsInf(f, 0) {
			dst.SetDouble(f)
		} else {
			dst.SetStr(string(v))
		}
	case bool:
		dst.SetBool(v)
	case map[string]any:
		m := dst.SetEmptyMap()
		m.EnsureCapacity(len(v))
		// Go map order is random: sort, so that records are stable from run to run.
		for _, k := range slices.Sorted(maps.Keys(v)) {
			naiveSetJSON(m.PutEmpty(k), v[k])
		}
	case []any:
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(v))
		for _, e := range v {
			naiveSetJSON(s.AppendEmpty(), e)
		}
	}
}
