package rowconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// setDynamic sets a dynamic column's value. The service sends dynamic values both as nested JSON
// and as JSON text inside a string; text that holds a JSON object or array is parsed so both arrive
// alike. Any other string (including text that fails to parse) is a legitimate dynamic string.
func setDynamic(dst pcommon.Value, v any) {
	if s, ok := v.(string); ok {
		if parsed, ok := parseJSONContainer(s); ok {
			v = parsed
		}
	}
	setJSON(dst, v)
}

// parseJSONContainer decodes s when, after trimming space, it is one JSON object or array.
func parseJSONContainer(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber() // integers beyond 2^53 must not pass through float64
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	// Trailing content ("[1] [2]", "{} x") means the text is not one JSON value.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return v, true
}

// setJSON sets dst by v's JSON kind alone: the rule for dynamic values, for columns whose Schema
// type is unknown and for row keys absent from the Schema. No value is a mismatch here.
//
// A number is an Int when its text is an integer literal that fits int64, else a Double. The
// literal form, not the value, decides: Kusto writes a real 1 inside a dynamic as 1.0, and keeping
// that a Double keeps a property's type stable from row to row.
func setJSON(dst pcommon.Value, v any) {
	switch v := v.(type) {
	case nil:
		// A null inside a dynamic value is kept: it is part of the value, unlike a null column
		// (which never reaches here).
	case string:
		dst.SetStr(v)
	case json.Number:
		if i, ok := parseIntLiteral(string(v)); ok {
			dst.SetInt(i)
		} else if f, ok := parseFloat(string(v)); ok {
			dst.SetDouble(f)
		} else {
			// Not a number after all (a hand-built json.Number, or beyond float64): keep its text.
			dst.SetStr(string(v))
		}
	case bool:
		dst.SetBool(v)
	case map[string]any:
		fillMap(dst.SetEmptyMap(), v)
	case []any:
		fillSlice(dst.SetEmptySlice(), v)
	case float64:
		dst.SetDouble(v)
	case int:
		dst.SetInt(int64(v))
	case int64:
		dst.SetInt(v)
	default:
		dst.SetStr(jsonText(v))
	}
}

// fillMap copies a JSON object into m with its keys sorted: Go map order is random, and a
// record's attributes should not reorder from one run to the next.
func fillMap(m pcommon.Map, obj map[string]any) {
	m.EnsureCapacity(len(obj))
	var buf [16]string // keeps small objects' key lists off the heap
	keys := buf[:0]
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		setJSON(m.PutEmpty(k), obj[k])
	}
}

func fillSlice(s pcommon.Slice, arr []any) {
	s.EnsureCapacity(len(arr))
	for _, e := range arr {
		setJSON(s.AppendEmpty(), e)
	}
}

// textOf renders a value that did not fit its column as the string it is kept as: strings and
// numbers as their exact text, objects and arrays as compact JSON.
func textOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return jsonText(v)
	}
}

// jsonText is v's compact JSON text. HTML escaping is off so that "<" and "&" in command lines and
// URLs stay readable; json.Number is written as its literal, map keys sorted.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Values from encoding/json always encode; this is for hand-built rows (NaN, channels...).
		return "<unencodable " + err.Error() + ">"
	}
	return strings.TrimSuffix(b.String(), "\n")
}
