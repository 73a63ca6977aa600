package rowconv

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

// wideKeyCount is how many members the wide tests give a row or an object: pcommon.Map's Put
// searches the map for every key it adds, so putting this many one at a time took seconds.
const wideKeyCount = 40_000

// wideBound is how long converting wideKeyCount members may take. Built in one go they take
// milliseconds; put one at a time, 3-4 s on the project's 2-core machine.
func wideBound() time.Duration {
	if raceEnabled {
		return 10 * time.Second
	}
	return time.Second
}

// wideMembers is the JSON text of n members named prefix and a number (without the braces),
// holding values of every JSON kind, some null, some names repeated later with a new value or a
// null, and what converting them gives: the keys in order and each key's raw value. The result
// is that of pcommon.Map.PutEmpty for each member in turn: a repeated name keeps the place of
// its first occurrence and takes the value of its last. nullOmitted is the rule of row members
// (a null member is left out and changes nothing); otherwise a null is an empty value, the rule
// inside dynamic values.
func wideMembers(prefix string, n int, nullOmitted bool) (text string, keys []string, want map[string]any) {
	var b strings.Builder
	want = map[string]any{}
	add := func(name, jsonValue string, raw any) {
		if b.Len() > 0 {
			b.WriteString(",")
		}
		b.WriteString(strconv.Quote(name) + ":" + jsonValue)
		if jsonValue == "null" && nullOmitted {
			return
		}
		if _, seen := want[name]; !seen {
			keys = append(keys, name)
		}
		want[name] = raw
	}
	name := func(i int) string { return fmt.Sprintf("%s%05d", prefix, i) }
	for i := range n {
		switch {
		case i%97 == 0:
			add(name(i), "null", nil)
		case i%5 == 0:
			add(name(i), strconv.Itoa(i), int64(i))
		case i%5 == 1:
			add(name(i), `"v\u00fc`+strconv.Itoa(i)+`"`, "vü"+strconv.Itoa(i))
		case i%5 == 2:
			add(name(i), strconv.FormatBool(i%2 == 0), i%2 == 0)
		case i%5 == 3:
			add(name(i), strconv.Itoa(i)+".5", float64(i)+0.5)
		default:
			add(name(i), `{"i":`+strconv.Itoa(i)+`,"a":[1,"x"]}`, map[string]any{"i": int64(i), "a": []any{int64(1), "x"}})
		}
	}
	// Repeats, after every first occurrence: a new value wins; a null wins only where nulls count.
	for i := 0; i < n; i += 1000 {
		add(name(i), `"again"`, "again") // name(0) was null: a row member first counts here
		if i+500 < n {
			add(name(i+500), "null", nil)
		}
	}
	return b.String(), keys, want
}

// requireMap checks m's keys, in order, and values against keys and want, reporting the first
// difference rather than two maps of thousands of entries.
func requireMap(t *testing.T, m pcommon.Map, keys []string, want map[string]any) {
	t.Helper()
	require.Equal(t, len(keys), m.Len(), "keys")
	i := 0
	for k, v := range m.All() {
		require.Equal(t, keys[i], k, "key %d", i)
		if got := v.AsRaw(); !reflect.DeepEqual(want[k], got) {
			require.Failf(t, "value", "%s = %#v, want %#v", k, got, want[k])
		}
		i++
	}
}

// A row with tens of thousands of members the Schema does not list converts in linear time,
// keeping the row's order; a repeated member keeps its first place and its last non-null value.
func TestConvertWideRow(t *testing.T) {
	members, extraKeys, want := wideMembers("X", wideKeyCount, true)
	row := []byte(`{"A":"a","D":null,` + members + `}`)
	want["A"] = "a"
	keys := append([]string{"A"}, extraKeys...)

	c := NewConverter(cols("A", "string", "D", "dynamic"), "", "")
	attrs := pcommon.NewMap()
	start := time.Now()
	_, err := c.Convert(row, attrs, attrs)
	elapsed := time.Since(start)
	require.NoError(t, err)
	requireMap(t, attrs, keys, want)
	assert.Less(t, elapsed, wideBound(), "%d members outside the Schema", wideKeyCount)
}

// A dynamic object of tens of thousands of members converts in linear time, nested or as JSON
// text in a string, keeping its order; a repeated member keeps its first place and its last
// value, null included.
func TestConvertWideDynamicObject(t *testing.T) {
	members, keys, want := wideMembers("k", wideKeyCount, false)
	object := "{" + members + "}"
	quoted, err := json.Marshal(object)
	require.NoError(t, err)
	for name, value := range map[string]string{"nested": object, "string": string(quoted)} {
		t.Run(name, func(t *testing.T) {
			c := NewConverter(cols("A", "string", "D", "dynamic"), "", "")
			attrs := pcommon.NewMap()
			start := time.Now()
			_, err := c.Convert([]byte(`{"A":"a","D":`+value+`}`), attrs, attrs)
			elapsed := time.Since(start)
			require.NoError(t, err)
			require.Equal(t, 2, attrs.Len())
			d, ok := attrs.Get("D")
			require.True(t, ok)
			require.Equal(t, pcommon.ValueTypeMap, d.Type())
			requireMap(t, d.Map(), keys, want)
			assert.Less(t, elapsed, wideBound(), "a dynamic object of %d members", wideKeyCount)
		})
	}
}

// Into a map that holds attributes already, the row's members go after them, one that has the
// name of an attribute replacing its value in place, in linear time.
func TestConvertWideRowIntoFilledMap(t *testing.T) {
	members, extraKeys, want := wideMembers("X", wideKeyCount, true)
	row := []byte(`{"A":"a",` + members + `}`)
	c := NewConverter(cols("A", "string"), "", "")
	attrs := pcommon.NewMap()
	attrs.PutStr("query.name", "q")
	attrs.PutStr("X00003", "stale") // a member of the row
	keys := []string{"query.name", "X00003", "A"}
	for _, k := range extraKeys {
		if k != "X00003" {
			keys = append(keys, k)
		}
	}
	want["query.name"], want["A"] = "q", "a"
	start := time.Now()
	_, err := c.Convert(row, attrs, attrs)
	elapsed := time.Since(start)
	require.NoError(t, err)
	requireMap(t, attrs, keys, want)
	assert.Less(t, elapsed, wideBound(), "%d members into a filled map", wideKeyCount)
}

// A Schema of tens of thousands of columns: resolving it and converting rows, with and without
// null columns, take linear time.
func TestConvertWideSchema(t *testing.T) {
	var schema []huntingapi.Column
	var full, sparse []string
	for i := range wideKeyCount {
		name := fmt.Sprintf("C%05d", i)
		schema = append(schema, huntingapi.Column{Name: name, Type: "long"})
		full = append(full, strconv.Quote(name)+":"+strconv.Itoa(i))
		if i%3 != 0 {
			sparse = append(sparse, strconv.Quote(name)+":"+strconv.Itoa(i))
		}
	}
	start := time.Now()
	c := NewConverter(schema, "", "")
	for _, row := range [][]string{full, sparse, full} {
		attrs := pcommon.NewMap()
		_, err := c.Convert([]byte("{"+strings.Join(row, ",")+"}"), attrs, attrs)
		require.NoError(t, err)
		require.Equal(t, len(row), attrs.Len())
		i := 0
		for k, v := range attrs.All() {
			n, _ := strconv.Atoi(k[1:])
			require.Equal(t, row[i], strconv.Quote(k)+":"+strconv.FormatInt(v.Int(), 10))
			require.Equal(t, int64(n), v.Int())
			i++
		}
	}
	assert.Less(t, time.Since(start), wideBound(), "a Schema of %d columns, three rows", wideKeyCount)
}

// BenchmarkWideRow shows how the cost of a row grows with its width: members outside the Schema
// and members of a dynamic object, per key. Linear building keeps ns/key flat.
func BenchmarkWideRow(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000, 40_000} {
		members, _, _ := wideMembers("X", n, true)
		for _, shape := range []struct{ name, row string }{
			{"extra", `{"A":"a",` + members + `}`},
			{"object", `{"A":"a","D":{` + members + `}}`},
		} {
			b.Run(fmt.Sprintf("%s/keys=%d", shape.name, n), func(b *testing.B) {
				c := NewConverter(cols("A", "string", "D", "dynamic"), "", "")
				row := []byte(shape.row)
				b.SetBytes(int64(len(row)))
				b.ReportAllocs()
				for b.Loop() {
					attrs := pcommon.NewMap()
					if _, err := c.Convert(row, attrs, attrs); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
			})
		}
	}
}

// dump writes v with every map's keys in their order, so that two conversions can be compared
// for order as well as content.
func dump(b *strings.Builder, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		dumpMap(b, v.Map())
	case pcommon.ValueTypeSlice:
		b.WriteString("[")
		for i, e := range v.Slice().All() {
			if i > 0 {
				b.WriteString(",")
			}
			dump(b, e)
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(b, "%s(%s)", v.Type(), v.AsString())
	}
}

func dumpMap(b *strings.Builder, m pcommon.Map) {
	b.WriteString("{")
	first := true
	for k, v := range m.All() {
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(strconv.Quote(k) + ":")
		dump(b, v)
	}
	b.WriteString("}")
}

// The wide way (putKeys and newKeyMap) gives exactly what Put one key at a time gives: the same
// keys in the same order, repeated names and names already in the map keeping their first
// place, the same values, the same Outcome. Each row is converted with every map put one key at
// a time, then with every map of more than 0, 1, 2 or 3 keys laid down at once (for dynamic
// objects: the first few members put, the rest gathered).
func TestWideWayMatchesPut(t *testing.T) {
	schema := cols("A", "string", "L", "long", "D", "dynamic", "E", "dynamic")
	rows := []string{
		`{}`,
		`{"A":"a","L":1}`,
		`{"A":"a","L":"not a number","D":null,"E":{}}`,
		`{"A":"a","X":1,"Y":null,"X":2,"Z":{"p":1,"q":null,"p":{"r":[1,{"s":1,"s":2}]},"q":3},"T":"2019-01-01T00:00:00Z","T":"` + exampleTime + `"}`,
		`{"D":{"a":1,"b":2,"a":null,"c":{"x":1,"x":null,"y":[{"k":1,"j":2,"k":3}]},"b":3,"d":{}},"E":[{"a":1,"b":1,"a":2}]}`,
		`{"D":"{\"a\":1,\"a\":2,\"b\":null,\"c\":{\"z\":1,\"y\":2,\"z\":3}}","E":"{\"a\":1,\"a\":}"}`,
		`{"X":null,"X":1,"Y":1,"X":null,"Y":null,"W":"w","Y":2}`,
		`{"L":5,"A":"out of order","pre":"from the row","X":true,"X":false,"D":{"pre":1},"A":"again"}`,
		`{"E":{"a":1,"b":2,"c":3,"d":4,"e":5,"a":6,"f":7,"b":null,"g":{"a":1,"b":2,"c":3,"a":4}}}`,
	}
	type result struct {
		attrs string
		out   Outcome
	}
	convertAll := func(threshold int, prefilled bool) []result {
		old := wideKeys
		wideKeys = threshold
		defer func() { wideKeys = old }()
		c := NewConverter(schema, "T", "T")
		var results []result
		for _, row := range rows {
			attrs := pcommon.NewMap()
			if prefilled {
				attrs.PutStr("pre", "held")
				attrs.PutStr("A", "stale")
				attrs.PutInt("Y", 0)
			}
			out, err := c.Convert([]byte(row), attrs, attrs)
			require.NoError(t, err, row)
			var b strings.Builder
			dumpMap(&b, attrs)
			results = append(results, result{b.String(), out})
		}
		return results
	}
	for _, prefilled := range []bool{false, true} {
		want := convertAll(1<<30, prefilled)
		for threshold := range 4 {
			got := convertAll(threshold, prefilled)
			for i := range rows {
				assert.Equal(t, want[i].attrs, got[i].attrs, "prefilled=%v threshold=%d row %s", prefilled, threshold, rows[i])
				assert.Equal(t, want[i].out, got[i].out, "prefilled=%v threshold=%d row %s", prefilled, threshold, rows[i])
			}
		}
	}
}

// newKeyMap lays down any keys, in order: empty, long (past one varint byte), not UTF-8.
func TestNewKeyMap(t *testing.T) {
	for _, keys := range [][]string{
		{},
		{""},
		{"a", "", "b"},
		{strings.Repeat("k", 200), strings.Repeat("l", 70_000), "\xff\xfe", "ü"},
	} {
		m := newKeyMap(keys)
		var got []string
		for k, v := range m.All() {
			got = append(got, k)
			assert.Equal(t, pcommon.ValueTypeEmpty, v.Type())
		}
		assert.Equal(t, len(keys), len(got))
		if len(keys) > 0 {
			assert.Equal(t, keys, got)
		}
		m.PutStr("new", "v") // the map is the caller's to change
		assert.Equal(t, len(keys)+1, m.Len())
	}
}
