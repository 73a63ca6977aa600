package rowconv

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

// TestConvertTextAgreesWithConvert: the row's text is kept as written, and everything else (length,
// times, table, event id, semantic attributes) is what Convert gives for the same row, so a record
// is the same event whichever body it has.
func TestConvertTextAgreesWithConvert(t *testing.T) {
	process := cols("Timestamp", "datetime", "DeviceName", "string", "ReportId", "long", "FileName", "string",
		"ProcessId", "long", "ProcessCommandLine", "string")
	benchSchema, benchText := benchRow(t)
	tests := []struct {
		name, table, row string
		schema           []huntingapi.Column
	}{
		{
			name: "a process event, escapes kept as written", table: "DeviceProcessEvents", schema: process,
			row: `{"Timestamp":"2026-11-30T10:00:00.1234567Z","DeviceName":"ws-01","ReportId":42,"FileName":"cmd.exe",` +
				`"ProcessId":7,"ProcessCommandLine":"cmd.exe /c \"echo \u00e9\\\\n\""}`,
		},
		{
			name: "nulls, a member the Schema lacks, numbers as strings", table: "DeviceProcessEvents", schema: process,
			row: `{"Timestamp":"2026-11-30T10:00:00Z","DeviceName":null,"ReportId":"42","Extra":{"a":[1,2]},"ProcessId":"7"}`,
		},
		{name: "no Schema column for the timestamp: a row member", schema: cols("A", "string"), row: `{"A":"x","Timestamp":"2026-11-30T10:00:00Z"}`},
		{name: "the benchmark's 70 columns", table: "DeviceProcessEvents", schema: benchSchema, row: string(benchText)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.row + `,{"next":"row"}`) // the decoder's buffer goes on past the row
			typed := NewConverter(tt.schema, "Timestamp", "Timestamp")
			typed.ForTable(tt.table, true)
			columns, wantAttributes := pcommon.NewMap(), pcommon.NewMap()
			want, err := typed.Convert(data, columns, wantAttributes)
			require.NoError(t, err)

			c := NewConverter(tt.schema, "Timestamp", "Timestamp")
			c.ForTable(tt.table, true)
			attributes := pcommon.NewMap()
			got, text, err := c.ConvertText(data, attributes)
			require.NoError(t, err)
			assert.Equal(t, tt.row, text)
			want.Mismatched = 0 // nothing is typed
			assert.Equal(t, want, got)
			assert.False(t, got.Timestamp.IsZero())
			assert.Equal(t, wantAttributes.AsRaw(), attributes.AsRaw())
		})
	}
}

// TestConvertTextOfACutRow: a row that the buffer cuts asks for more and writes nothing.
func TestConvertTextOfACutRow(t *testing.T) {
	row := `{"Timestamp":"2026-11-30T10:00:00Z","ProcessId":7}`
	c := NewConverter(cols("Timestamp", "datetime", "ProcessId", "long"), "Timestamp", "Timestamp")
	c.ForTable("DeviceProcessEvents", true)
	for cut := range len(row) {
		attributes := pcommon.NewMap()
		_, text, err := c.ConvertText([]byte(row[:cut]), attributes)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "cut at %d", cut)
		assert.Empty(t, text)
		assert.Zero(t, attributes.Len())
	}
}
