package simulator

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"
)

// TestServedCountsCompleteBodies asks for one window again and again while
// half the bodies are cut off: the served log holds the calls whose bodies
// arrived whole, so a test can tell the simulator's repeats (retries) from
// a client's duplicates.
func TestServedCountsCompleteBodies(t *testing.T) {
	clock := newFakeClock(testNow)
	s := startSimulator(t, Options{Now: clock.Now, Faults: Faults{CutOffBody: 0.5}, Seed: 4})
	client := trustingClient(t, s)
	from, to := testNow.Add(-time.Minute), testNow.Add(-50*time.Second)
	query := "DeviceNetworkEvents | where Timestamp > " + dt(from) + " and Timestamp <= " + dt(to)
	var complete []int64
	for call := int64(1); call <= 12; call++ {
		if a := tryHunt(t, client, s, query); a.err == nil && json.Valid(a.body) {
			complete = append(complete, call)
		}
	}
	if len(complete) == 0 || len(complete) == 12 {
		t.Fatalf("%d of 12 bodies complete: the test tells nothing", len(complete))
	}

	pages := s.ServedPages()
	window := groundTruthIDs(s.GroundTruth("DeviceNetworkEvents", from, to))
	var calls []int64
	for _, page := range pages {
		calls = append(calls, page.Call)
		if !slices.Equal(page.ReportIDs, window) {
			t.Errorf("call %d served %d events, want the window's %d", page.Call, len(page.ReportIDs), len(window))
		}
	}
	if !slices.Equal(calls, complete) {
		t.Errorf("served pages of calls %v, complete bodies in calls %v", calls, complete)
	}
	want := map[int64]int{}
	for _, id := range window {
		want[id] = len(complete)
	}
	if got := s.Served(); !maps.Equal(got, want) {
		t.Errorf("Served has %d events, want the window's %d each served %d times", len(got), len(window), len(complete))
	}
	if stats := s.Stats(); stats.Faults["CutOffBody"] != 12-len(complete) || stats.RowsServed != int64(len(complete)*len(window)) {
		t.Errorf("counters %+v", stats)
	}
}
