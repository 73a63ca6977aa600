package rowconv

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

// decodeRow decodes a row the way the receiver does: encoding/json with UseNumber.
func decodeRow(t testing.TB, text string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var row map[string]any
	require.NoError(t, dec.Decode(&row), "test row %s", text)
	return row
}

type convertCase struct {
	name     string
	schema   []huntingapi.Column
	tsColumn string
	row      string         // JSON text of the row
	want     map[string]any // pcommon.Map.AsRaw() of the attributes
	wantKeys []string       // when set, the attribute keys in order
	mismatch int
	wantTS   time.Time // zero: Outcome.Timestamp must be zero
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
		one("string", `{"b":2,"a":"<&>"}`, `{"a":"<&>","b":2}`, 1),
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
		one("long", `{"a":1}`, `{"a":1}`, 1),
		one("long", `null`, nil, 0),

		// reals
		one("real", `1.5`, 1.5, 0),
		one("double", `2`, 2.0, 0),
		one("Double", `1e300`, 1e300, 0),
		one("Single", `0.25`, 0.25, 0),
		one("float", `-0.5`, -0.5, 0),
		one("System.Double", `3`, 3.0, 0),
		one("real", `"Infinity"`, math.Inf(1), 0),
		one("real", `"-Infinity"`, math.Inf(-1), 0),
		one("real", `"infinity"`, math.Inf(1), 0),
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
		one("dynamic", `"  {\"a\":1,\"b\":[\"c\"]}\n"`, map[string]any{"a": int64(1), "b": []any{"c"}}, 0),
		one("Object", `"[1,{\"k\":2.0}]"`, []any{int64(1), map[string]any{"k": 2.0}}, 0),
		one("System.Object", `[]`, []any{}, 0),
		one("dynamic", `"plain text"`, "plain text", 0),
		one("dynamic", `"{not json"`, "{not json", 0),
		one("dynamic", `"[1] [2]"`, "[1] [2]", 0),
		one("dynamic", `"\"quoted\""`, `"quoted"`, 0),
		one("dynamic", `"{\"nested\":\"{\\\"a\\\":1}\"}"`, map[string]any{"nested": `{"a":1}`}, 0), // only the top level is parsed
		one("dynamic", `42`, int64(42), 0),
		one("dynamic", `4.5`, 4.5, 0),
		one("dynamic", `1.0`, 1.0, 0), // a real stays a real
		one("dynamic", `true`, true, 0),
		one("dynamic", `[18446744073709551615, 1e400]`, []any{1.8446744073709552e19, "1e400"}, 0),
		one("dynamic", `null`, nil, 0),

		// unknown type names keep the JSON kind; their strings are not parsed as JSON
		one("UInt64", `5`, int64(5), 0),
		one("UInt64", `18446744073709551615`, 1.8446744073709552e19, 0),
		one("weird", `"s"`, "s", 0),
		one("weird", `"{\"a\":1}"`, `{"a":1}`, 0),
		one("weird", `2.5`, 2.5, 0),
		one("weird", `false`, false, 0),
		one("weird", `{"a":[1]}`, map[string]any{"a": []any{int64(1)}}, 0),
		one("System.long", `[1]`, []any{int64(1)}, 0),

		{
			name:     "empty Schema, keys typed by JSON",
			row:      `{"b":"x","a":2}`,
			want:     map[string]any{"a": int64(2), "b": "x"},
			wantKeys: []string{"a", "b"},
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
			name:     "Schema order, then extra keys sorted, nulls and missing columns omitted",
			schema:   cols("B", "string", "N", "long", "A", "long", "M", "string", "C", "bool"),
			row:      `{"A":1,"B":"x","N":null,"C":true,"Z":"extra","Y":null,"X":{"k":1}}`,
			want:     map[string]any{"B": "x", "A": int64(1), "C": true, "X": map[string]any{"k": int64(1)}, "Z": "extra"},
			wantKeys: []string{"B", "A", "C", "X", "Z"},
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
				c := NewConverter(tc.schema, tc.tsColumn)
				attrs := pcommon.NewMap()
				if path == "prefilled" {
					attrs.PutStr("pre", "kept")
				}
				out := c.Convert(decodeRow(t, tc.row), attrs)
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
				if tc.wantKeys != nil {
					assert.Equal(t, tc.wantKeys, keys)
				}
			})
		}
	}
}

// NaN never equals itself, so it cannot go through the table's equality check.
func TestConvertNaN(t *testing.T) {
	for _, text := range []string{`"NaN"`, `"nan"`} {
		attrs := pcommon.NewMap()
		out := NewConverter(cols("R", "real"), "").Convert(decodeRow(t, `{"R":`+text+`}`), attrs)
		v, ok := attrs.Get("R")
		require.True(t, ok)
		require.Equal(t, pcommon.ValueTypeDouble, v.Type())
		assert.True(t, math.IsNaN(v.Double()), "%s gave %v", text, v.Double())
		assert.Zero(t, out.Mismatched)
	}
}

// Go map iteration order is random; attributes built from Go maps (a dynamic object, keys absent
// from the Schema) must come out sorted, the same from run to run. Many keys make an accidental
// pass of unsorted output improbable.
func TestConvertSortsKeysFromGoMaps(t *testing.T) {
	names := strings.Fields("q w e r t y u i o p a s d f g h j k l z")
	var obj, extra []string
	for i, n := range names {
		obj = append(obj, `"`+n+`":`+strconv.Itoa(i))
		extra = append(extra, `"X`+n+`":`+strconv.Itoa(i))
	}
	sorted := slices.Sorted(slices.Values(names))
	var sortedExtra []string
	for _, n := range sorted {
		sortedExtra = append(sortedExtra, "X"+n)
	}

	c := NewConverter(cols("Z", "string", "D", "dynamic", "A", "int"), "")
	for range 5 {
		attrs := pcommon.NewMap()
		c.Convert(decodeRow(t, `{"A":1,"D":{`+strings.Join(obj, ",")+`},"Z":"z",`+strings.Join(extra, ",")+`}`), attrs)
		var keys []string
		for k := range attrs.All() {
			keys = append(keys, k)
		}
		require.Equal(t, append([]string{"Z", "D", "A"}, sortedExtra...), keys)
		d, ok := attrs.Get("D")
		require.True(t, ok)
		var nested []string
		for k := range d.Map().All() {
			nested = append(nested, k)
		}
		require.Equal(t, sorted, nested)
	}
}

func TestConvertOverwritesExistingKeyAndKeepsOthers(t *testing.T) {
	attrs := pcommon.NewMap()
	attrs.PutStr("query.name", "q1")
	attrs.PutStr("A", "stale")
	NewConverter(cols("A", "long"), "").Convert(decodeRow(t, `{"A":5}`), attrs)
	assert.Equal(t, map[string]any{"query.name": "q1", "A": int64(5)}, attrs.AsRaw())
}

func TestUnknownTypes(t *testing.T) {
	c := NewConverter(cols("A", "UInt64", "B", "string", "C", "weird", "D", "UInt64", "E", "", "F", "System.long"), "")
	got := c.UnknownTypes()
	assert.Equal(t, []string{"UInt64", "weird", "", "System.long"}, got)
	got[0] = "changed"
	assert.Equal(t, "UInt64", c.UnknownTypes()[0], "UnknownTypes must return a copy")

	assert.Empty(t, NewConverter(cols("A", "String", "B", "SByte", "C", "System.Object"), "").UnknownTypes())
}

func TestDuplicateSchemaColumnFirstWins(t *testing.T) {
	c := NewConverter(cols("A", "long", "A", "string", "B", "bool"), "")
	for _, prefilled := range []bool{false, true} {
		attrs := pcommon.NewMap()
		if prefilled {
			attrs.PutStr("pre", "x")
		}
		out := c.Convert(decodeRow(t, `{"A":7,"B":true}`), attrs)
		raw := attrs.AsRaw()
		delete(raw, "pre")
		assert.Equal(t, map[string]any{"A": int64(7), "B": true}, raw, "prefilled=%v", prefilled)
		assert.Zero(t, out.Mismatched, "prefilled=%v", prefilled)
	}
}

// Rows built by hand (or decoded without UseNumber) hold Go types that encoding/json with UseNumber
// never produces; they must not panic and must not be lost.
func TestConvertForeignGoTypes(t *testing.T) {
	c := NewConverter(cols("S", "string", "L", "long", "R", "real", "D", "dynamic", "U", "weird", "T", "datetime"), "T")
	row := map[string]any{
		"S": 1.5,
		"L": 2.0,
		"R": struct{ X int }{3},
		"D": map[string]any{"f": 4.25, "i": 5, "c": make(chan int), "n": json.Number("NaN"), "j": int64(6)},
		"U": []string{"a"},
		"T": 6,
	}
	attrs := pcommon.NewMap()
	var out Outcome
	require.NotPanics(t, func() { out = c.Convert(row, attrs) })
	raw := attrs.AsRaw()
	assert.Equal(t, "1.5", raw["S"])
	assert.Equal(t, "2", raw["L"])
	assert.Equal(t, `{"X":3}`, raw["R"])
	assert.Equal(t, 4.25, raw["D"].(map[string]any)["f"])
	assert.Equal(t, int64(5), raw["D"].(map[string]any)["i"])
	assert.Equal(t, int64(6), raw["D"].(map[string]any)["j"])
	assert.True(t, strings.HasPrefix(raw["D"].(map[string]any)["c"].(string), "<unencodable"), "%v", raw["D"])
	assert.Equal(t, "NaN", raw["D"].(map[string]any)["n"], "a json.Number that is no JSON number keeps its text")
	assert.Equal(t, `["a"]`, raw["U"])
	assert.Equal(t, "6", raw["T"])
	assert.Equal(t, 4, out.Mismatched) // S, L, R, T; dynamic and unknown columns never mismatch
	assert.True(t, out.Timestamp.IsZero())
}

var allocSink pcommon.Map

// pdata allocates one small wrapper per scalar value it stores; the converter itself should add
// nothing per value, so a scalar row costs about one allocation per column, on either path.
func TestConvertScalarAllocations(t *testing.T) {
	c := NewConverter(cols("T", "datetime", "S", "string", "L", "long", "Q", "long", "R", "real", "B", "SByte", "G", "guid", "N", "decimal", "Z", "string"), "T")
	row := decodeRow(t, `{"T":"`+exampleTime+`","S":"s","L":12,"Q":"9007199254740993","R":1.5,"B":1,"G":"g","N":1.25,"Z":null}`)
	values := float64(len(row) - 1) // Z is null
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
			attrs.EnsureCapacity(1 + len(row)) // the map's backing array
			allocSink = attrs
		})
		total := testing.AllocsPerRun(100, func() {
			attrs := newMap()
			c.Convert(row, attrs)
			allocSink = attrs
		})
		assert.LessOrEqual(t, total-baseline, values, "prefilled=%v: allocations beyond pdata's one per value", prefilled)
	}
}
