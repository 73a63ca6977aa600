package poller

import (
	"context"
	"testing"
	"time"

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
			d := newPageDelivery(t.Context(), h.poller, watermark.Window{Start: start.Add(-time.Hour), End: start}, 10)
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

// rawAPI answers every query with the same rows, as JSON texts, whatever window it asked for: a
// service (or a query) that does not keep to the page.
type rawAPI struct{ rows []string }

func (r rawAPI) Run(_ context.Context, _ huntingapi.Request, h huntingapi.ResultHandler) (huntingapi.Stats, error) {
	if err := h.Schema(schema); err != nil {
		return huntingapi.Stats{}, err
	}
	for _, row := range r.rows {
		if _, err := h.Row([]byte(row)); err != nil {
			return huntingapi.Stats{}, err
		}
	}
	return huntingapi.Stats{}, nil
}

// TestRowsThatCannotBeWindowedFailThePage serves rows whose key the watermark cannot follow: the poll
// fails (as a query that waits for its next interval), and the watermark does not move.
func TestRowsThatCannotBeWindowedFailThePage(t *testing.T) {
	tests := []struct {
		name    string
		rows    []string
		maxRows int
		wantErr string
	}{
		{"a full page of rows without a key", []string{`{"ProcessId":1}`, `{"ProcessId":2}`}, 2, "row 1 of the page has no datetime in Timestamp"},
		{"a key that is not a datetime", []string{`{"Timestamp":"yesterday","ProcessId":1}`}, 10, "row 1 of the page has no datetime in Timestamp"},
		{"a row stamped 9999-12-31", []string{`{"Timestamp":"2026-11-26T11:30:00Z","ProcessId":1}`, `{"Timestamp":"9999-12-31T23:59:59.9999999Z","ProcessId":2}`}, 10,
			"row 2 has Timestamp 9999-12-31T23:59:59.9999999Z, outside the page"},
		{"a key on the page's excluded start", []string{`{"Timestamp":"2026-11-26T11:00:00Z","ProcessId":1}`}, 10, "outside the page"},
		{"rows going backwards", []string{`{"Timestamp":"2026-11-26T11:40:00Z","ProcessId":1}`, `{"Timestamp":"2026-11-26T11:30:00Z","ProcessId":2}`}, 10,
			"row 2 has Timestamp 2026-11-26T11:30:00.0000000Z, before the row read before it (2026-11-26T11:40:00.0000000Z)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			h := newHarness(t, options{maxRows: tt.maxRows, batchSize: 100}, &fakeAPI{}, sink)
			h.poller.settings.Runner = rawAPI{rows: tt.rows}
			err := h.poll()
			require.ErrorIs(t, err, errBadKey)
			assert.ErrorContains(t, err, tt.wantErr)
			assert.Equal(t, failureQuery, classify(err))
			assert.Zero(t, sink.LogRecordCount())
			assert.Empty(t, h.storage.Value(checkpointKey), "nothing committed")
			assert.Equal(t, start.Add(-time.Hour), h.poller.watermark, "the watermark stays where it was")
		})
	}
}
