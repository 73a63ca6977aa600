package rowconv

import (
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

// benchRow builds a DeviceProcessEvents-like row of 70 columns: mostly strings of 20 to 300
// characters, some longs, datetimes, bools, and an AdditionalFields dynamic object, as the JSON
// text the API client hands over.
func benchRow(tb testing.TB) ([]huntingapi.Column, []byte) {
	tb.Helper()
	var schema []huntingapi.Column
	var b strings.Builder
	b.WriteString("{")
	add := func(name, typ, jsonValue string) {
		if len(schema) > 0 {
			b.WriteString(",")
		}
		schema = append(schema, huntingapi.Column{Name: name, Type: typ})
		b.WriteString(strconv.Quote(name) + ":" + jsonValue)
	}
	add("Timestamp", "DateTime", `"2020-08-30T06:38:35.7664356Z"`)
	add("ProcessCreationTime", "DateTime", `"2020-08-30T06:38:35.1234567Z"`)
	add("InitiatingProcessCreationTime", "DateTime", `"2020-08-30T06:30:01.0000001Z"`)
	add("InitiatingProcessParentCreationTime", "DateTime", `"2020-08-30T06:00:00Z"`)
	add("ProcessId", "Int64", `4242`)
	add("InitiatingProcessId", "Int64", `1337`)
	add("InitiatingProcessParentId", "Int64", `4`)
	add("FileSize", "Int64", `123456789`)
	add("ReportId", "Int64", `9007199254740993`)
	add("ProcessTokenElevationIsDefault", "Boolean", `true`)
	add("IsProcessRemoteSession", "SByte", `0`)
	add("AdditionalFields", "Object", `{"ProcessIntegrityLevel":"High","TokenElevation":"Full","Depth":3,"Signers":["Microsoft Windows","Microsoft Corporation"],"Score":0.75}`)
	add("InitiatingProcessAccountSid", "Guid", `"S-1-5-21-1004336348-1177238915-682003330-512"`)
	for i := len(schema); i < 70; i++ {
		n := 20 + (i*37)%281 // 20..300 characters
		add("StringColumn"+strconv.Itoa(i), "String", strconv.Quote(strings.Repeat("C:\\Windows\\System32\\", 1+n/20)[:n]))
	}
	b.WriteString("}")
	return schema, []byte(b.String())
}

func TestBenchRowIsRealistic(t *testing.T) {
	schema, row := benchRow(t)
	c := NewConverter(schema, "Timestamp", "Timestamp")
	attrs := pcommon.NewMap()
	out, err := c.Convert(row, attrs, attrs)
	if err != nil || len(schema) != 70 || attrs.Len() != 70 || out.Mismatched != 0 || out.Timestamp.Nanosecond() != 766435600 {
		t.Fatalf("bench row: %v, %d columns, %d attributes, %d mismatched, timestamp %v",
			err, len(schema), attrs.Len(), out.Mismatched, out.Timestamp)
	}
}

// BenchmarkConvert measures one 70-column row into a fresh attribute map, as each log record
// gets its own.
func BenchmarkConvert(b *testing.B) {
	schema, row := benchRow(b)
	c := NewConverter(schema, "Timestamp", "Timestamp")
	b.SetBytes(int64(len(row)))
	b.ReportAllocs()
	for b.Loop() {
		attrs := pcommon.NewMap()
		if _, err := c.Convert(row, attrs, attrs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewConverter is the once-per-response cost of resolving the Schema.
func BenchmarkNewConverter(b *testing.B) {
	schema, _ := benchRow(b)
	b.ReportAllocs()
	for b.Loop() {
		NewConverter(schema, "Timestamp", "Timestamp")
	}
}

// BenchmarkConvertPrefilled is the path for an attribute map that already holds attributes, where
// every column goes through pcommon.Map's Put and its scan for an existing key.
func BenchmarkConvertPrefilled(b *testing.B) {
	schema, row := benchRow(b)
	c := NewConverter(schema, "Timestamp", "Timestamp")
	b.SetBytes(int64(len(row)))
	b.ReportAllocs()
	for b.Loop() {
		attrs := pcommon.NewMap()
		attrs.PutStr("query.name", "process-events")
		if _, err := c.Convert(row, attrs, attrs); err != nil {
			b.Fatal(err)
		}
	}
}
