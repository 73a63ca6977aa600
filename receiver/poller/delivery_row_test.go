package poller

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

// Row reads a row from the front of the decoder's buffer: a whole row becomes a record and reports
// its length; a row cut off by the buffer's end asks for more and changes nothing; a row that is
// not JSON makes the response unreadable (retried), and adds no record.
func TestRowReadsOneRowFromTheBuffer(t *testing.T) {
	const row = `{"Timestamp":"2026-11-26T11:30:00Z","ReportId":1}`
	tests := []struct {
		name        string
		data        string
		wantLen     int
		wantErr     error
		wantRecords int
	}{
		{name: "a whole row, the next one after it", data: row + `,{"Timestamp"`, wantLen: len(row), wantRecords: 1},
		{name: "cut off by the buffer's end", data: row[:len(row)-1], wantErr: huntingapi.ErrIncompleteRow},
		{name: "not JSON", data: `{"Timestamp":"2026-11-26T11:30:00Z",}`, wantErr: huntingapi.ErrUnreadableResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{}, &fakeAPI{}, new(consumertest.LogsSink))
			d := newPageDelivery(t.Context(), h.poller, watermark.Window{Start: start.Add(-1), End: start}, 10)
			require.NoError(t, d.Schema(schema))

			n, err := d.Row([]byte(tt.data))
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.wantLen, n)
			assert.Equal(t, tt.wantRecords, d.records.Len())
			assert.Equal(t, tt.wantRecords, d.rows)
			if tt.wantErr == huntingapi.ErrUnreadableResponse {
				assert.Equal(t, failureTransient, classify(err))
			}
		})
	}
}
