package rowconv

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

type convertCase struct {
	name     string
	schema   []huntingapi.Column
	tsColumn string
	keyCol   string
	row      string         // JSON text of the row
	want     map[string]any // pcommon.Map.AsRaw() of the attributes
	wantKeys []string       // when set, the attribute keys in order
	mismatch int
	wantTS   time.Time // zero: Outcome.Timestamp must be zero
	wantKey  time.Time // zero: Outcome.Key must be zero
}

// one builds the common case: a single column "C" of type typ holding the JSON value val.
// want is C's expected raw attribute value; nil means no attribute.
func one(typ, val string, want any, mismatch int) convertCase {
	c := convertCase{
		name:     typ + "/" + val,
		schema:   []huntingapi.Column{{Name: "C", Type: typ}},
		row:      `{"C":` + val + `}`,
		want:     map[string]any{},
		mismatch: mismatch,
	}
	if want != nil {
		c.want["C"] = want
	}
	return c
}

func cols(nameType ...string) []huntingapi.Column {
	var out []huntingapi.Column
	for i := 0; i+1 < len(nameType); i += 2 {
		out = append(out, huntingapi.Column{Name: nameType[i], Type: nameType[i+1]})
	}
	return out
}

const exampleTime = "2020-08-30T06:38:35.7664356Z" // from Microsoft's example response

func TestConvert(t *testing.T) {
	exampleTS := time.Date(2020, 8, 30, 6, 38, 35, 766435600, time.UTC)
	cases := []convertCase{
		// string
		one("String", `"conhost.exe"`, "conhost.exe", 0),
		one("string", `""`, "", 0),
		one("STRING", `"x"`, "x", 0),
		one("System.String", `"x"`, "x", 0),
		one("string", `42`, "42", 1),
		one("string", `true`, "true", 1),
		one("string", `{"b":2,"a":"<&>"}`, `{"b":2,"a":"<&>"}`, 1), // JSON text as sent
		one("string", `"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t", 0),
		one("string", `"J\u00fcrgen \u00FC \ud83d\ude00 Jürgen"`, "Jürgen ü 😀 Jürgen", 0),
		one("string", `"lone \ud83d surrogate \ude00\ud83d\u0041"`, "lone \uFFFD surrogate \uFFFD\uFFFDA", 0),
		one("string", "\"bad \xff\xfe utf-8\"", "bad \uFFFD\uFFFD utf-8", 0),
		one("string", ` "spaced" `, "spaced", 0),
		one("string", `[1,"a",null]`, `[1,"a",null]`, 1),
		one("string", `null`, nil, 0),

		// integers: every spelling, JSON numbers, quoted digits, int64 limits
		one("long", `42`, int64(42), 0),
		one("int", `-7`, int64(-7), 0),
		one("Int16", `300`, int64(300), 0),
		one("Int32", `2147483647`, int64(2147483647), 0),
		one("Int64", `9223372036854775807`, int64(math.MaxInt64), 0),
		one("Int64", `-9223372036854775808`, int64(math.MinInt64), 0),
		one("long", `9007199254740993`, int64(9007199254740993), 0), // 2^53+1: wrong via float64
		one("UInt16", `65535`, int64(65535), 0),
		one("UInt32", `4294967295`, int64(4294967295), 0),
		one("Byte", `255`, int64(255), 0),
		one("System.Int64", `1`, int64(1), 0),
		one("system.byte", `2`, int64(2), 0),
		one("LONG", `3`, int64(3), 0),
		one("long", `"9007199254740993"`, int64(9007199254740993), 0),
		one("long", `"-12"`, int64(-12), 0),
		one("long", `1.0`, int64(1), 0),
		one("long", `1e3`, int64(1000), 0),
		one("long", `1.5`, "1.5", 1),
		one("long", `9223372036854775808`, "9223372036854775808", 1),
		one("long", `"abc"`, "abc", 1),
		one("long", `" 12"`, " 12", 1),
		one("long", `"1.0"`, "1.0", 1),
		one("long", `true`, "true", 1),
		one("long", `false`, "false", 1),
		one("long", `{"a":1}`, `{"a":1}`, 1),
		one("long", `null`, nil, 0),

		// reals
		one("real", `1.5`, 1.5, 0),
		one("double", `2`, 2.0, 0),
		one("Double", `1e300`, 1e300, 0),
		one("Single", `0.25`, 0.25, 0),
		one("float", `-0.5`, -0.5, 0),
		one("System.Double", `3`, 3.0, 0),
		// Non-finite reals, which JSON writes as text, stay text in the service's form: a NaN or
		// infinite double is refused by JSON exporters (splunk_hec drops the whole record).
		one("real", `"NaN"`, "NaN", 0),
		one("real", `"nan"`, "NaN", 0),
		one("real", `"Infinity"`, "Infinity", 0),
		one("real", `"-Infinity"`, "-Infinity", 0),
		one("real", `"infinity"`, "Infinity", 0),
		one("Double", `"-INFINITY"`, "-Infinity", 0),
		one("Single", `"NaN"`, "NaN", 0),
		one("real", `"Inf"`, "Inf", 1),
		one("real", `"+Infinity"`, "+Infinity", 1),
		one("real", `"1.5"`, "1.5", 1),
		one("real", `1e400`, "1e400", 1),
		one("real", `{}`, "{}", 1),
		one("real", `null`, nil, 0),

		// bools, including SByte and number/text forms
		one("bool", `true`, true, 0),
		one("Boolean", `false`, false, 0),
		one("SByte", `1`, true, 0),
		one("SByte", `0`, false, 0),
		one("System.SByte", `1`, true, 0),
		one("System.Boolean", `true`, true, 0),
		one("boolean", `"TRUE"`, true, 0),
		one("bool", `"false"`, false, 0),
		one("bool", `"1"`, true, 0),
		one("bool", `"0"`, false, 0),
		one("bool", `2`, "2", 1),
		one("bool", `"yes"`, "yes", 1),
		one("bool", `[]`, "[]", 1),
		one("bool", `null`, nil, 0),

		// datetimes: text kept unchanged, parsed only to vet it
		one("DateTime", `"`+exampleTime+`"`, exampleTime, 0),
		one("datetime", `"2020-08-30T06:38:35Z"`, "2020-08-30T06:38:35Z", 0),
		one("date", `"2020-08-30T06:38:35+02:00"`, "2020-08-30T06:38:35+02:00", 0),
		one("System.DateTime", `"2020-08-30T06:38:35.1"`, "2020-08-30T06:38:35.1", 0),
		one("datetime", `"yesterday"`, "yesterday", 1),
		one("datetime", `"2021-02-29T00:00:00Z"`, "2021-02-29T00:00:00Z", 1),
		one("datetime", `1598769515`, "1598769515", 1),
		one("datetime", `null`, nil, 0),

		// timespans
		one("timespan", `"1.02:03:04.5000000"`, "1.02:03:04.5000000", 0),
		one("TimeSpan", `"-00:00:01"`, "-00:00:01", 0),
		one("time", `"00:05:00"`, "00:05:00", 0),
		one("System.TimeSpan", `"00:00:00.0000001"`, "00:00:00.0000001", 0),
		one("timespan", `300`, "300", 1),

		// guids
		one("guid", `"0f8fad5b-d9cb-469f-a165-70867728950e"`, "0f8fad5b-d9cb-469f-a165-70867728950e", 0),
		one("Guid", `"x"`, "x", 0),
		one("uniqueid", `"y"`, "y", 0),
		one("System.Guid", `"z"`, "z", 0),
		one("guid", `5`, "5", 1),

		// decimals: exact text, never through float64
		one("decimal", `12345678901234567890.123456789`, "12345678901234567890.123456789", 0),
		one("Decimal", `"0.1"`, "0.1", 0),
		one("System.Decimal", `1E+2`, "1E+2", 0),
		one("System.Data.SqlTypes.SqlDecimal", `-0.000`, "-0.000", 0),
		one("SqlDecimal", `7`, "7", 0),
		one("decimal", `"abc"`, "abc", 1),
		one("decimal", `true`, "true", 1),

		// dynamic: nested JSON, JSON text in a string, scalars
		one("dynamic", `{"b":[1,2.5,"x",null,true],"a":{"n":9007199254740993}}`,
			map[string]any{"a": map[string]any{"n": int64(9007199254740993)}, "b": []any{int64(1), 2.5, "x", nil, true}}, 0),
		one("dynamic", `{"a":1,"a":{"b":"\u00fc"}}`, map[string]any{"a": map[string]any{"b": "ü"}}, 0), // the last repeat wins
		one("dynamic", ` { "a" : [ ] , "b" : { } } `, map[string]any{"a": []any{}, "b": map[string]any{}}, 0),
		one("dynamic", `"  {\"a\":1,\"b\":[\"c\"]}\n"`, map[string]any{"a": int64(1), "b": []any{"c"}}, 0),
		one("Object", `"[1,{\"k\":2.0}]"`, []any{int64(1), map[string]any{"k": 2.0}}, 0),
		one("System.Object", `[]`, []any{}, 0),
		one("dynamic", `"plain text"`, "plain text", 0),
		one("dynamic", `"{not json"`, "{not json", 0),
		one("dynamic", `"[1] [2]"`, "[1] [2]", 0),
		one("dynamic", `"[1,"`, "[1,", 0),
		one("dynamic", `"\u00a0{}"`, "\u00a0{}", 0), // only JSON white space may lead
		one("dynamic", `"\"quoted\""`, `"quoted"`, 0),
		one("dynamic", `"{\"nested\":\"{\\\"a\\\":1}\"}"`, map[string]any{"nested": `{"a":1}`}, 0), // only the top level is parsed
		one("dynamic", `42`, int64(42), 0),
		one("dynamic", `4.5`, 4.5, 0),
		one("dynamic", `1.0`, 1.0, 0), // a real stays a real
		one("dynamic", `true`, true, 0),
		one("dynamic", `[18446744073709551615, 1e400]`, []any{1.8446744073709552e19, "1e400"}, 0),
		one("dynamic", `{"big":1e999,"small":-1e999,"tiny":1e-999}`, map[string]any{"big": "1e999", "small": "-1e999", "tiny": 0.0}, 0),
		one("dynamic", `"[\"NaN\",1e999]"`, []any{"NaN", "1e999"}, 0),
		one("dynamic", `-1e999`, "-1e999", 0),
		one("dynamic", `"NaN"`, "NaN", 0),
		one("dynamic", `null`, nil, 0),

		// unknown type names keep the JSON kind; their strings are not parsed as JSON
		one("UInt64", `5`, int64(5), 0),
		one("UInt64", `18446744073709551615`, 1.8446744073709552e19, 0),
		one("weird", `"s"`, "s", 0),
		one("weird", `"{\"a\":1}"`, `{"a":1}`, 0),
		one("weird", `2.5`, 2.5, 0),
		one("weird", `1e999`, "1e999", 0),
		one("weird", `"Infinity"`, "Infinity", 0),
		one("weird", `false`, false, 0),
		one("weird", `{"a":[1]}`, map[string]any{"a": []any{int64(1)}}, 0),
		one("System.long", `[1]`, []any{int64(1)}, 0),

		{
			name:     "empty Schema, keys typed by JSON",
			row:      `{"b":"x","a":2}`,
			want:     map[string]any{"a": int64(2), "b": "x"},
			wantKeys: []string{"b", "a"},
		},
		{
			name:   "all columns null",
			schema: cols("A", "string", "B", "long"),
			row:    `{"A":null,"B":null}`,
			want:   map[string]any{},
		},
		{
			name:   "missing column",
			schema: cols("A", "string", "B", "long"),
			row:    `{"A":"x"}`,
			want:   map[string]any{"A": "x"},
		},
		{
			name:     "Schema order, then extra members in row order, nulls and missing columns omitted",
			schema:   cols("B", "string", "N", "long", "A", "long", "M", "string", "C", "bool"),
			row:      `{"A":1,"B":"x","N":null,"C":true,"Z":"extra","Y":null,"X":{"k":1}}`,
			want:     map[string]any{"B": "x", "A": int64(1), "C": true, "X": map[string]any{"k": int64(1)}, "Z": "extra"},
			wantKeys: []string{"B", "A", "C", "Z", "X"},
		},
		{
			name:   "a repeated member: the last wins",
			schema: cols("A", "long"),
			row:    `{"A":1,"E":"x","A":2,"E":"y"}`,
			want:   map[string]any{"A": int64(2), "E": "y"},
		},
		{
			name:   "escaped member names",
			schema: cols("Ä", "long"),
			row:    `{"\u00c4":1,"\u00e9x":"tra"}`,
			want:   map[string]any{"Ä": int64(1), "éx": "tra"},
		},
		{
			name:   "empty row",
			schema: cols("A", "long"),
			row:    ` { } `,
			want:   map[string]any{},
		},
		{
			name:     "mismatches are counted per value",
			schema:   cols("A", "long", "B", "bool", "C", "real"),
			row:      `{"A":"x","B":"y","C":"z"}`,
			want:     map[string]any{"A": "x", "B": "y", "C": "z"},
			mismatch: 3,
		},

		// timestamp column
		{
			name:     "timestamp keeps 100 ns",
			schema:   cols("Timestamp", "DateTime", "FileName", "String"),
			tsColumn: "Timestamp",
			row:      `{"Timestamp":"` + exampleTime + `","FileName":"conhost.exe"}`,
			want:     map[string]any{"Timestamp": exampleTime, "FileName": "conhost.exe"},
			wantTS:   exampleTS,
		},
		{
			name:     "timestamp with offset is the same instant",
			schema:   cols("Timestamp", "datetime"),
			tsColumn: "Timestamp",
			row:      `{"Timestamp":"2020-08-30T08:38:35.7664356+02:00"}`,
			want:     map[string]any{"Timestamp": "2020-08-30T08:38:35.7664356+02:00"},
			wantTS:   exampleTS,
		},
		{
			name:     "timestamp column matched case-insensitively",
			schema:   cols("timestamp", "datetime"),
			tsColumn: "Timestamp",
			row:      `{"timestamp":"` + exampleTime + `"}`,
			want:     map[string]any{"timestamp": exampleTime},
			wantTS:   exampleTS,
		},
		{
			name:     "exact timestamp name wins over a case variant",
			schema:   cols("timestamp", "datetime", "Timestamp", "datetime"),
			tsColumn: "Timestamp",
			row:      `{"timestamp":"2001-01-01T00:00:00Z","Timestamp":"` + exampleTime + `"}`,
			want:     map[string]any{"timestamp": "2001-01-01T00:00:00Z", "Timestamp": exampleTime},
			wantTS:   exampleTS,
		},
		{
			name:     "timestamp column of string type",
			schema:   cols("T", "string"),
			tsColumn: "T",
			row:      `{"T":"` + exampleTime + `"}`,
			want:     map[string]any{"T": exampleTime},
			wantTS:   exampleTS,
		},
		{
			name:     "timestamp column absent from Schema but in the row",
			schema:   cols("A", "string"),
			tsColumn: "T",
			row:      `{"A":"a","T":"` + exampleTime + `"}`,
			want:     map[string]any{"A": "a", "T": exampleTime},
			wantTS:   exampleTS,
		},
		{
			name:     "timestamp column missing",
			schema:   cols("A", "string"),
			tsColumn: "Timestamp",
			row:      `{"A":"a"}`,
			want:     map[string]any{"A": "a"},
		},
		{
			name:     "timestamp in Schema but missing from the row",
			schema:   cols("Timestamp", "datetime", "A", "string"),
			tsColumn: "Timestamp",
			row:      `{"A":"a"}`,
			want:     map[string]any{"A": "a"},
		},
		{
			name:     "timestamp null",
			schema:   cols("Timestamp", "datetime"),
			tsColumn: "Timestamp",
			row:      `{"Timestamp":null}`,
			want:     map[string]any{},
		},
		{
			name:     "timestamp unparseable",
			schema:   cols("Timestamp", "datetime"),
			tsColumn: "Timestamp",
			row:      `{"Timestamp":"2020-13-01T00:00:00Z"}`,
			want:     map[string]any{"Timestamp": "2020-13-01T00:00:00Z"},
			mismatch: 1,
		},
		{
			name:     "key column in the Schema",
			schema:   cols("Timestamp", "datetime", "IngestionTime", "datetime"),
			tsColumn: "Timestamp",
			keyCol:   "IngestionTime",
			row:      `{"Timestamp":"2001-01-01T00:00:00Z","IngestionTime":"` + exampleTime + `"}`,
			want:     map[string]any{"Timestamp": "2001-01-01T00:00:00Z", "IngestionTime": exampleTime},
			wantTS:   time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC),
			wantKey:  exampleTS,
		},
		{
			name:     "key column is the timestamp column",
			schema:   cols("Timestamp", "datetime"),
			tsColumn: "Timestamp",
			keyCol:   "timestamp",
			row:      `{"Timestamp":"` + exampleTime + `"}`,
			want:     map[string]any{"Timestamp": exampleTime},
			wantTS:   exampleTS,
			wantKey:  exampleTS,
		},
		{
			name:    "key column absent from Schema but in the row",
			schema:  cols("A", "string"),
			keyCol:  "IngestionTime",
			row:     `{"A":"a","IngestionTime":"` + exampleTime + `"}`,
			want:    map[string]any{"A": "a", "IngestionTime": exampleTime},
			wantKey: exampleTS,
		},
		{
			name:   "no key column",
			schema: cols("IngestionTime", "datetime"),
			row:    `{"IngestionTime":"` + exampleTime + `"}`,
			want:   map[string]any{"IngestionTime": exampleTime},
		},
		{
			name:     "timestamp a number",
			schema:   cols("Timestamp", "datetime"),
			tsColumn: "Timestamp",
			row:      `{"Timestamp":1598769515}`,
			want:     map[string]any{"Timestamp": "1598769515"},
			mismatch: 1,
		},
	}
	for _, tc := range cases {
		// Convert has two paths: into an empty map (the usual one) and into a map that already
		// holds attributes. Both must give the same attributes in the same order.
		for _, path := range []string{"empty", "prefilled"} {
			t.Run(tc.name+"/"+path, func(t *testing.T) {
				c := NewConverter(tc.schema, tc.tsColumn, tc.keyCol)
				attrs := pcommon.NewMap()
				if path == "prefilled" {
					attrs.PutStr("pre", "kept")
				}
				out, err := c.Convert([]byte(tc.row), attrs, attrs)
				require.NoError(t, err)
				raw := attrs.AsRaw()
				var keys []string
				for k := range attrs.All() {
					keys = append(keys, k)
				}
				if path == "prefilled" {
					require.Equal(t, "kept", raw["pre"])
					require.Equal(t, "pre", keys[0])
					delete(raw, "pre")
					keys = keys[1:]
				}
				assert.Equal(t, tc.want, raw)
				assert.Equal(t, tc.mismatch, out.Mismatched, "Mismatched")
				if tc.wantTS.IsZero() {
					assert.True(t, out.Timestamp.IsZero(), "Timestamp = %v, want zero", out.Timestamp)
				} else {
					assert.True(t, tc.wantTS.Equal(out.Timestamp), "Timestamp = %v, want %v", out.Timestamp, tc.wantTS)
					assert.Equal(t, tc.wantTS.Nanosecond(), out.Timestamp.Nanosecond())
				}
				assert.True(t, tc.wantKey.Equal(out.Key), "Key = %v, want %v", out.Key, tc.wantKey)
				if tc.wantKeys != nil {
					assert.Equal(t, tc.wantKeys, keys)
				}
			})
		}
	}
}

// convert converts row with a fresh converter into a fresh map, failing the test on an error.
func convert(t *testing.T, schema []huntingapi.Column, row string) (pcommon.Map, Outcome) {
	t.Helper()
	attrs := pcommon.NewMap()
	out, err := NewConverter(schema, "", "").Convert([]byte(row), attrs, attrs)
	require.NoError(t, err)
	return attrs, out
}

// TestConvertGivesNoNonFiniteDouble: whatever a row holds, no value comes out as a NaN or infinite
// double, which JSON cannot carry: the contrib splunk_hec exporter (goccy/go-json) refuses such a
// record for good, as encoding/json refuses it here. Non-finite reals are kept as the service's text
// and are not counted as mismatches: they fit their column.
func TestConvertGivesNoNonFiniteDouble(t *testing.T) {
	schema := cols("N", "real", "P", "double", "M", "Double", "S", "Single", "D", "dynamic", "J", "dynamic", "U", "weird", "F", "real")
	row := `{"N":"NaN","P":"Infinity","M":"-Infinity","S":"nan","D":{"x":1e999,"y":[-1e400]},"J":"{\"z\":1e999}","U":1e999,"F":0.5,"Extra":-1e999}`
	attrs, out := convert(t, schema, row)
	assert.Zero(t, out.Mismatched, "non-finite reals fit their column")

	var walk func(path string, v pcommon.Value)
	walk = func(path string, v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeDouble:
			assert.False(t, math.IsNaN(v.Double()) || math.IsInf(v.Double(), 0), "%s is the double %v", path, v.Double())
		case pcommon.ValueTypeMap:
			for k, e := range v.Map().All() {
				walk(path+"."+k, e)
			}
		case pcommon.ValueTypeSlice:
			for i, e := range v.Slice().All() {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		}
	}
	for k, v := range attrs.All() {
		walk(k, v)
	}
	text, err := json.Marshal(attrs.AsRaw())
	require.NoError(t, err, "the record must marshal as JSON")
	assert.JSONEq(t, `{"N":"NaN","P":"Infinity","M":"-Infinity","S":"NaN","D":{"x":"1e999","y":["-1e400"]},"J":{"z":"1e999"},"U":"1e999","F":0.5,"Extra":"-1e999"}`, string(text))
}

// Members absent from the Schema and the members of dynamic objects keep the row's order, so that
// the same row always gives the same attributes in the same order.
func TestConvertKeepsRowOrder(t *testing.T) {
	names := strings.Fields("q w e r t y u i o p a s d f g h j k l z")
	var obj, extra, wantExtra []string
	for i, n := range names {
		obj = append(obj, `"`+n+`":`+strconv.Itoa(i))
		extra = append(extra, `"X`+n+`":`+strconv.Itoa(i))
		wantExtra = append(wantExtra, "X"+n)
	}
	attrs, _ := convert(t, cols("Z", "string", "D", "dynamic", "A", "int"),
		`{"A":1,"D":{`+strings.Join(obj, ",")+`},"Z":"z",`+strings.Join(extra, ",")+`}`)
	var keys []string
	for k := range attrs.All() {
		keys = append(keys, k)
	}
	assert.Equal(t, append([]string{"Z", "D", "A"}, wantExtra...), keys)
	d, ok := attrs.Get("D")
	require.True(t, ok)
	var nested []string
	for k := range d.Map().All() {
		nested = append(nested, k)
	}
	assert.Equal(t, names, nested)
}

func TestConvertOverwritesExistingKeyAndKeepsOthers(t *testing.T) {
	attrs := pcommon.NewMap()
	attrs.PutStr("query.name", "q1")
	attrs.PutStr("A", "stale")
	_, err := NewConverter(cols("A", "long"), "", "").Convert([]byte(`{"A":5}`), attrs, attrs)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"query.name": "q1", "A": int64(5)}, attrs.AsRaw())
}

func TestUnknownTypes(t *testing.T) {
	c := NewConverter(cols("A", "UInt64", "B", "string", "C", "weird", "D", "UInt64", "E", "", "F", "System.long"), "", "")
	got := c.UnknownTypes()
	assert.Equal(t, []string{"UInt64", "weird", "", "System.long"}, got)
	got[0] = "changed"
	assert.Equal(t, "UInt64", c.UnknownTypes()[0], "UnknownTypes must return a copy")

	assert.Empty(t, NewConverter(cols("A", "String", "B", "SByte", "C", "System.Object"), "", "").UnknownTypes())
}

func TestDuplicateSchemaColumnFirstWins(t *testing.T) {
	c := NewConverter(cols("A", "long", "A", "string", "B", "bool"), "", "")
	for _, prefilled := range []bool{false, true} {
		attrs := pcommon.NewMap()
		if prefilled {
			attrs.PutStr("pre", "x")
		}
		out, err := c.Convert([]byte(`{"A":7,"B":true}`), attrs, attrs)
		require.NoError(t, err)
		raw := attrs.AsRaw()
		delete(raw, "pre")
		assert.Equal(t, map[string]any{"A": int64(7), "B": true}, raw, "prefilled=%v", prefilled)
		assert.Zero(t, out.Mismatched, "prefilled=%v", prefilled)
	}
}

// One converter serves a whole response: scratch space left by a row must not leak into the next.
func TestConvertReusesItsScratchSpace(t *testing.T) {
	c := NewConverter(cols("A", "string", "B", "dynamic"), "", "")
	rows := []struct {
		row  string
		want map[string]any
	}{
		{`{"A":"first","B":"{\"k\":\"v\"}","X":"extra"}`, map[string]any{"A": "first", "B": map[string]any{"k": "v"}, "X": "extra"}},
		{`{"B":[1]}`, map[string]any{"B": []any{int64(1)}}},
		{`{"A":"third"}`, map[string]any{"A": "third"}},
	}
	for _, r := range rows {
		attrs := pcommon.NewMap()
		_, err := c.Convert([]byte(r.row), attrs, attrs)
		require.NoError(t, err)
		assert.Equal(t, r.want, attrs.AsRaw(), r.row)
	}
}

// Rows leave different columns null. Each set of null columns gets its own keys until there are
// maxKeySets of them; the rows after that take every column's key and drop the null ones. Either
// way a row's attributes are its non-null columns in Schema order, and a set kept for one row
// serves the next row with the same nulls.
func TestConvertRowsWithDifferentNullColumns(t *testing.T) {
	const width = 8 // 2^8 null sets: more than maxKeySets
	require.Greater(t, 1<<width, maxKeySets+2)
	var schema []huntingapi.Column
	for i := range width {
		schema = append(schema, huntingapi.Column{Name: "C" + strconv.Itoa(i), Type: "int"})
	}
	c := NewConverter(schema, "", "")
	for round := range 2 { // the second round meets every set again, kept or not
		for nulls := range 1 << width {
			var members, wantKeys []string
			want := map[string]any{}
			for i := range width {
				name := "C" + strconv.Itoa(i)
				if nulls&(1<<i) != 0 {
					if i%2 == 0 { // null and missing columns alike
						members = append(members, `"`+name+`":null`)
					}
					continue
				}
				members = append(members, `"`+name+`":`+strconv.Itoa(nulls*10+i))
				wantKeys = append(wantKeys, name)
				want[name] = int64(nulls*10 + i)
			}
			attrs := pcommon.NewMap()
			_, err := c.Convert([]byte("{"+strings.Join(members, ",")+"}"), attrs, attrs)
			require.NoError(t, err)
			var keys []string
			for k := range attrs.All() {
				keys = append(keys, k)
			}
			require.Equal(t, wantKeys, keys, "round %d, nulls %08b", round, nulls)
			require.Equal(t, want, attrs.AsRaw(), "round %d, nulls %08b", round, nulls)
		}
	}
	assert.Equal(t, maxKeySets, len(c.keys.byNulls), "key sets kept")
}

// A row that is not one JSON object is a syntax error, never a panic or a partial success.
func TestConvertRejectsMalformedRows(t *testing.T) {
	c := NewConverter(cols("A", "string", "D", "dynamic"), "", "")
	for _, row := range []string{
		`null`, `[]`, `"A"`, `}`, `{"A" "x"}`, `{"A":"x",}`, `{A:"x"}`, `{"A":'x'}`, `{"A":"x" "D":1}`, `{,}`,
		`{"A":"bad \x escape"}`, `{"A":"\u12"}`, `{"A":"\u12G4"}`, "{\"A\":\"tab\there\"}",
		`{"A":01}`, `{"A":-}`, `{"A":1.}`, `{"A":.5}`, `{"A":1e}`, `{"A":1e+}`, `{"A":+1}`, `{"A":0x1}`, `{"A":1a}`,
		`{"A":tru}`, `{"A":nul}`, `{"A":True}`, `{"A":undefined}`,
		`{"D":{"a":1,}}`, `{"D":[1,]}`, `{"D":[1 2]}`, `{"D":{"a" 1}}`, `{"D":{"a":1 "b":2}}`, `{"D":{1:1}}`, `{"D":[}`, `{"D":{"a":[}}`,
		`{"D":` + strings.Repeat("[", jsonscan.MaxDepth+1) + strings.Repeat("]", jsonscan.MaxDepth+1) + `}`,
		`{"D":` + strings.Repeat(`{"a":`, jsonscan.MaxDepth+1) + "1" + strings.Repeat("}", jsonscan.MaxDepth+1) + `}`,
	} {
		_, err := c.Convert([]byte(row), pcommon.NewMap(), pcommon.NewMap())
		assert.ErrorIs(t, err, jsonscan.ErrSyntax, "%q", row)
	}
}

// The decoder hands over its buffer, which goes on past the row or ends inside it. Convert reads
// exactly the row; every cut of a row is told apart from a malformed row, as a cut-off row to be
// read again with more data, and leaves the attributes untouched.
func TestConvertReadsOneRowFromTheBuffer(t *testing.T) {
	c := NewConverter(cols("T", "datetime", "A", "string", "L", "long", "R", "real", "B", "bool", "D", "dynamic", "O", "dynamic"), "T", "T")
	rows := []string{
		`{"T":"` + exampleTime + `","A":"J\u00fcrgen \"x\" \ud83d\ude00 \ud800 C:\\Temp","L":-12,"R":1.5e-3,"B":true,"D":{"k":[1,null,false,"v"]},"O":"{\"n\":1}","X":null}`,
		"{ \"A\" : \"Jürgen €\" , \"L\" : 0 }",
		`{}`,
	}
	for _, row := range rows {
		want := pcommon.NewMap()
		out, err := c.Convert([]byte(row+`,{"A":"next"}]`), want, want)
		require.NoError(t, err, row)
		assert.Equal(t, len(row), out.Len, row)

		for cut := range len(row) {
			attrs := pcommon.NewMap()
			_, err := c.Convert([]byte(row[:cut]), attrs, attrs)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF, "%q", row[:cut])
			assert.NotErrorIs(t, err, jsonscan.ErrSyntax)
			assert.Zero(t, attrs.Len(), "%q", row[:cut])
		}
		again := pcommon.NewMap()
		_, err = c.Convert([]byte(row), again, again)
		require.NoError(t, err)
		assert.Equal(t, want.AsRaw(), again.AsRaw(), "reading cut rows left something behind")
	}
}

// Nesting up to the limit is fine, in the row and in JSON text inside a dynamic string.
func TestConvertDeepNesting(t *testing.T) {
	deep := strings.Repeat("[", jsonscan.MaxDepth) + strings.Repeat("]", jsonscan.MaxDepth)
	attrs, _ := convert(t, cols("D", "dynamic", "S", "dynamic"), `{"D":`+deep+`,"S":"`+deep+`"}`)
	for _, name := range []string{"D", "S"} {
		v, ok := attrs.Get(name)
		require.True(t, ok)
		assert.Equal(t, pcommon.ValueTypeSlice, v.Type(), name)
	}
	tooDeep := "[" + deep + "]"
	attrs, _ = convert(t, cols("S", "dynamic"), `{"S":"`+tooDeep+`"}`)
	assert.Equal(t, map[string]any{"S": tooDeep}, attrs.AsRaw(), "text nested too deep stays text")
}

// FuzzConvert checks that Convert reads exactly the JSON objects encoding/json accepts, from the
// start of its data, and never panics.
func FuzzConvert(f *testing.F) {
	for _, seed := range []string{
		`{"A":"x","L":1,"D":{"a":[1,2.5,true,null,"s"]},"X":"\u00fc\ud83d\ude00"}`,
		`{"D":"{\"a\":1}","R":1e3,"B":false}`, `{}`, `[]`, `{"A":01}`, "{\"A\":\"\xff\"}", "{}\x00", `{"A":"x"} {`, `{"A":"\ud83d`,
	} {
		f.Add([]byte(seed))
	}
	c := NewConverter(cols("A", "string", "L", "long", "R", "real", "B", "bool", "D", "dynamic", "T", "datetime"), "T", "A")
	isObject := func(text []byte) bool {
		return json.Valid(text) && bytes.HasPrefix(bytes.TrimLeft(text, " \t\r\n"), []byte("{"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := c.Convert(data, pcommon.NewMap(), pcommon.NewMap())
		switch {
		case err == nil && !isObject(data[:out.Len]):
			t.Fatalf("Convert(%q) read %q, which encoding/json does not take for an object", data, data[:out.Len])
		case err != nil && isObject(data):
			t.Fatalf("Convert(%q) = %v; encoding/json says it is an object", data, err)
		}
	})
}

var allocSink pcommon.Map

// pdata allocates one small wrapper per scalar value it stores; the converter itself should add
// only the one string that holds the row's text, so a scalar row costs about one allocation per
// column, on either path.
func TestConvertScalarAllocations(t *testing.T) {
	c := NewConverter(cols("T", "datetime", "S", "string", "L", "long", "Q", "long", "R", "real", "B", "SByte", "G", "guid", "N", "decimal", "Z", "string"), "T", "T")
	row := []byte(`{"T":"` + exampleTime + `","S":"s","L":12,"Q":"9007199254740993","R":1.5,"B":1,"G":"g","N":1.25,"Z":null}`)
	const values = 8 // Z is null
	for _, prefilled := range []bool{false, true} {
		newMap := func() pcommon.Map {
			attrs := pcommon.NewMap()
			if prefilled {
				attrs.PutStr("first", "x")
			}
			return attrs
		}
		// Both runs store the map in a global so that it lives on the heap in both.
		baseline := testing.AllocsPerRun(100, func() {
			attrs := newMap()
			attrs.EnsureCapacity(1 + values) // the map's backing array
			allocSink = attrs
		})
		total := testing.AllocsPerRun(100, func() {
			attrs := newMap()
			if _, err := c.Convert(row, attrs, attrs); err != nil {
				t.Fatal(err)
			}
			allocSink = attrs
		})
		assert.LessOrEqual(t, total-baseline, float64(values+1), "prefilled=%v: allocations beyond pdata's one per value and the row's text", prefilled)
	}
}
