package simulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

func TestGroundTruth(t *testing.T) {
	clock := newFakeClock(testNow)
	start := testNow.Add(-time.Minute)
	every := 1234567 * tick
	s := startSimulator(t, Options{Now: clock.Now, Tables: []TableSpec{
		{Name: "DeviceNetworkEvents", Start: start, Every: time.Second, PerTimestamp: 1},
		{Name: "DeviceProcessEvents", Start: start, Every: every, PerTimestamp: 2},
	}})
	at := func(slot int) time.Time { return start.Add(time.Duration(slot) * every) }
	ids := func(first, last int64) []int64 { // ReportIds of DeviceProcessEvents, the second table
		var out []int64
		for k := first; k <= last; k++ {
			out = append(out, reportIDStride+k)
		}
		return out
	}
	tests := []struct {
		name     string
		table    string
		from, to time.Time
		want     []int64
	}{
		{"from exclusive, to inclusive", "DeviceProcessEvents", at(3), at(5), ids(8, 11)},
		{"sub-tick bounds round down", "DeviceProcessEvents", at(3).Add(99), at(5).Add(99), ids(8, 11)},
		{"one tick before from", "DeviceProcessEvents", at(3).Add(-tick), at(3), ids(6, 7)},
		{"nothing after now", "DeviceProcessEvents", testNow.Add(-time.Nanosecond), testNow.Add(time.Hour), nil},
		{"unknown table", "DeviceEvents", start, testNow, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			for _, e := range s.GroundTruth(tt.table, tt.from, tt.to) {
				got = append(got, e.ReportID)
				if e.Table != tt.table || !e.Timestamp.After(tt.from) || e.Timestamp.After(tt.to) {
					t.Errorf("event %+v outside (%v, %v]", e, tt.from, tt.to)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	before := len(s.GroundTruth("DeviceNetworkEvents", start.Add(-time.Hour), testNow.Add(time.Hour)))
	clock.Advance(10 * time.Second)
	if after := len(s.GroundTruth("DeviceNetworkEvents", start.Add(-time.Hour), testNow.Add(time.Hour))); after != before+10 {
		t.Errorf("10 s later: %d events, want %d", after, before+10)
	}
}

func TestGroundTruthOverHTTP(t *testing.T) {
	clock := newFakeClock(testNow)
	s := startSimulator(t, Options{Now: clock.Now})
	client := trustingClient(t, s)
	get := func(query url.Values) response {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/simulator/groundtruth?"+query.Encode(), nil)
		return do(t, client, req)
	}
	from, to := testNow.Add(-time.Hour), testNow.Add(-50*time.Minute)
	resp := get(url.Values{"table": {"AADSignInEventsBeta"}, "from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}})
	var report GroundTruthReport
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &report) != nil {
		t.Fatalf("got %d %s", resp.status, resp.body)
	}
	var want []int64
	for _, e := range s.GroundTruth("AADSignInEventsBeta", from, to) {
		want = append(want, e.ReportID)
	}
	if len(want) == 0 || !slices.Equal(report.ReportIDs, want) || !report.From.Equal(from) || !report.To.Equal(to) {
		t.Errorf("got %+v, want ReportIds %v", report, want)
	}

	for _, bad := range []struct {
		query  url.Values
		status int
	}{
		{url.Values{"table": {"DeviceEvents"}}, http.StatusNotFound},
		{url.Values{"table": {"AADSignInEventsBeta"}, "from": {"yesterday"}}, http.StatusBadRequest},
	} {
		if got := get(bad.query); got.status != bad.status {
			t.Errorf("%v: got %d, want %d", bad.query, got.status, bad.status)
		}
	}
}

// TestGroundTruthOverHTTPHonoursIngestion checks that events not ingested
// yet are not in the ground truth served to other processes.
func TestGroundTruthOverHTTPHonoursIngestion(t *testing.T) {
	clock := newFakeClock(testNow)
	s := startSimulator(t, Options{Now: clock.Now, Latency: 2 * time.Second, LateShare: 0.5, LateBy: time.Minute})
	client := trustingClient(t, s)
	from, to := testNow.Add(-10*time.Second), testNow
	get := func() []int64 {
		query := url.Values{"table": {"DeviceProcessEvents"}, "from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}}
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/simulator/groundtruth?"+query.Encode(), nil)
		var report GroundTruthReport
		if resp := do(t, client, req); resp.status != http.StatusOK || json.Unmarshal(resp.body, &report) != nil {
			t.Fatalf("got %d %s", resp.status, resp.body)
		}
		return report.ReportIDs
	}
	now := get()
	clock.Advance(time.Minute + 2*time.Second)
	later := get()
	if len(now) == 0 || len(later) <= len(now) {
		t.Fatalf("%d events in the window at first, %d once all are ingested", len(now), len(later))
	}
	for _, e := range s.GroundTruth("DeviceProcessEvents", from, to) {
		if wasThere := slices.Contains(now, e.ReportID); wasThere != !e.IngestionTime.After(testNow) {
			t.Errorf("event %d, ingested %v: in the first answer %v", e.ReportID, e.IngestionTime, wasThere)
		}
	}
}
