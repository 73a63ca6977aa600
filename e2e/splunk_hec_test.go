package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

const hecToken = "00000000-e2e0-4000-8000-00000000hec0"

// hecEvent is one event of a HEC request, as Splunk reads it.
type hecEvent struct {
	Time       json.Number     `json:"time"` // seconds since the epoch, with milliseconds
	SourceType string          `json:"sourcetype"`
	Index      string          `json:"index"`
	Event      json.RawMessage `json:"event"` // the row: an object, or its JSON text as a string
	Fields     map[string]any  `json:"fields"`
}

// row is the event's row, whether the event is the row's object (columns_in: body) or its JSON
// text (columns_in: json); nil when it is neither.
func (e hecEvent) row() map[string]any {
	text := []byte(e.Event)
	var s string
	if json.Unmarshal(text, &s) == nil {
		text = []byte(s)
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var row map[string]any
	if dec.Decode(&row) != nil {
		return nil
	}
	return row
}

// reportID is the ReportId of the event's row (0 when it has none).
func (e hecEvent) reportID() int64 {
	number, _ := e.row()["ReportId"].(json.Number)
	id, _ := number.Int64()
	return id
}

// unixMilli is the event's time in milliseconds since the epoch.
func (e hecEvent) unixMilli() (int64, error) {
	seconds, err := e.Time.Float64()
	return int64(math.Round(seconds * 1000)), err
}

// startHECSink serves Splunk's HTTP Event Collector endpoints.
func startHECSink(t *testing.T) *httpSink[hecEvent] {
	return startHTTPSink(t, []string{"/services/collector", "/services/collector/event"}, hecEvent.reportID,
		func(r *http.Request, body []byte) ([]hecEvent, error) {
			if got := r.Header.Get("Authorization"); got != "Splunk "+hecToken {
				return nil, fmt.Errorf("authorization %q", got)
			}
			// A request holds events one after the other, separated by newlines or by nothing.
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			var events []hecEvent
			for {
				var e hecEvent
				err := dec.Decode(&e)
				if errors.Is(err, io.EOF) {
					return events, nil
				}
				if err != nil {
					return nil, fmt.Errorf("HEC event %d: %w", len(events), err)
				}
				events = append(events, e)
			}
		},
		func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"text":"Success","code":0}`)
		})
}

// TestSplunkHEC sends a table through the splunk_hec exporter and requires every event once, as a
// HEC event holding the row, stamped with its Defender Timestamp and routed by the query's
// resource attributes, whether the event is the row's JSON text (the default) or its columns
// (columns_in: body); with columns_in: both, the columns are HEC fields too.
func TestSplunkHEC(t *testing.T) {
	const table = "DeviceProcessEvents"
	for _, tc := range []struct {
		name            string
		columnsIn       string
		columnsInFields bool
	}{
		{"the row's JSON text as the event (the default)", "", false},
		{"the columns as the event", "body", false},
		{"columns in the event and the fields", "both", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			world := startFrozenWorld(t, simulator.Options{}, table)
			expected := world.expected()
			hec := startHECSink(t)
			query := tableQuery(table, pollInterval, frozenLookback)
			query.ResourceAttributes = map[string]string{"com.splunk.sourcetype": "defender:hunting", "com.splunk.index": "defender"}
			receiver := receiverConfig(world.sim, query)
			if tc.columnsIn != "" {
				receiver["columns_in"] = tc.columnsIn
			}
			collector := startCollector(t, collectorConfig(receiver, map[string]any{
				"splunk_hec": map[string]any{"token": hecToken, "endpoint": hec.url + "/services/collector"},
			}, t.TempDir()))

			awaitDeliveries(collector, len(expected), deliveryTimeout, hec.delivered)
			collector.stop()

			delivered, _ := hec.delivered()
			requireExactlyOnce(t, expected, delivered)
			truth := byReportID(expected)
			for _, e := range hec.received() {
				want := truth[e.reportID()]
				require.Equal(t, "defender:hunting", e.SourceType)
				require.Equal(t, "defender", e.Index)
				require.Equal(t, table, e.Fields[attrQueryName])
				require.Subset(t, keys(e.row()), []string{"Timestamp", "DeviceName", "FileName", "ProcessCommandLine"})
				ms, err := e.unixMilli()
				require.NoError(t, err)
				// The exporter sends seconds with milliseconds, rounded.
				require.Equal(t, time.Duration(want.Timestamp.UnixNano()).Round(time.Millisecond).Milliseconds(), ms,
					"time %s of ReportId %d, Timestamp %s", e.Time, want.ReportID, want.Timestamp.Format(time.RFC3339Nano))
				for _, column := range []string{"ReportId", "DeviceName"} {
					_, inFields := e.Fields[column]
					require.Equal(t, tc.columnsInFields, inFields, "column %s in the fields %v", column, e.Fields)
				}
			}
		})
	}
}

func keys(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	return names
}
