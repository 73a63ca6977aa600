package simulator

import (
	"slices"
	"testing"
	"time"
)

// newStoppedSimulator is a simulator that is never started: queries run in
// the test's goroutine through queryAt.
func newStoppedSimulator(t *testing.T, opts Options) *Simulator {
	t.Helper()
	opts.TenantID, opts.ClientID, opts.ClientSecret = testTenant, testClientID, testSecret
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// queryAt runs text as the hunting endpoint would at the simulator's now,
// without HTTP and without a row cap.
func queryAt(t *testing.T, s *Simulator, text string) []event {
	t.Helper()
	now := s.now()
	q, err := parseQuery(text, now)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	p, err := compileQuery(q, s.tables)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return slices.Collect(p.run(now))
}

func TestIngestionTimes(t *testing.T) {
	tests := []struct {
		name    string
		arrival Options
	}{
		{"immediate", Options{}},
		{"latency", Options{Latency: 2*time.Second + 3*tick}},
		{"a quarter late", Options{Latency: time.Second, LateShare: 0.25, LateBy: 30 * time.Second}},
		{"all late", Options{LateShare: 1, LateBy: 7 * tick}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := newTable(TableSpec{Name: "DeviceProcessEvents", Start: testNow, Every: 1234567 * tick, PerTimestamp: 3}, 0, newArrival(tt.arrival))
			if err != nil {
				t.Fatal(err)
			}
			const n = 4000
			late := 0
			for k := range int64(n) {
				e := table.event(k)
				switch delay := e.ingested.Sub(e.time); delay {
				case tt.arrival.Latency:
				case tt.arrival.Latency + tt.arrival.LateBy:
					late++
				default:
					t.Fatalf("event %d ingested %v after its timestamp", k, delay)
				}
				if e.ingested.Nanosecond()%100 != 0 {
					t.Fatalf("event %d ingested at %v, not a whole tick", k, e.ingested)
				}
			}
			if tt.arrival.LateBy == 0 {
				return // every event has the same delay: nothing to count
			}
			if share := float64(late) / n; share < tt.arrival.LateShare-0.03 || share > tt.arrival.LateShare+0.03 {
				t.Errorf("%.3f of events late, want about %.2f", share, tt.arrival.LateShare)
			}
		})
	}
}

// TestLateEventsAppearOnceIngested queries one window by Timestamp as time
// goes by: each event shows up, in the results and in the ground truth,
// exactly when it is ingested.
func TestLateEventsAppearOnceIngested(t *testing.T) {
	clock := newFakeClock(testNow)
	s := newStoppedSimulator(t, Options{
		Now: clock.Now, Latency: time.Second, LateShare: 0.2, LateBy: 30 * time.Second,
		Tables: []TableSpec{{Name: "DeviceNetworkEvents", Start: testNow.Add(-time.Hour), Every: 100 * time.Millisecond, PerTimestamp: 2}},
	})
	from, to := testNow.Add(-20*time.Second), testNow.Add(-5*time.Second)
	window := "DeviceNetworkEvents | where Timestamp > " + dt(from) + " and Timestamp <= " + dt(to)
	all := 2 * 150 // 15 s of events, two every 100 ms
	previous := 0
	for _, step := range []time.Duration{0, 10 * time.Second, 10 * time.Second, 6*time.Second - tick, tick, time.Hour} {
		clock.Advance(step)
		now := clock.Now()
		got := queryAt(t, s, window)
		truth := s.GroundTruth("DeviceNetworkEvents", from, to)
		for _, e := range got {
			if e.ingested.After(now) {
				t.Fatalf("at %v: event %d is visible before its ingestion at %v", now, e.reportID, e.ingested)
			}
		}
		if !slices.Equal(reportIDs(got), groundTruthIDs(truth)) {
			t.Fatalf("at %v: query got %d events, ground truth %d", now, len(got), len(truth))
		}
		if len(got) < previous {
			t.Fatalf("at %v: %d events, fewer than before (%d)", now, len(got), previous)
		}
		previous = len(got)
	}
	if previous != all {
		t.Errorf("finally %d events, want %d", previous, all)
	}
	// Before the first late event of the window could arrive (31 s after
	// from), the on-time events were all there and the late ones were not.
	early := s.GroundTruthIngestedBy("DeviceNetworkEvents", from, to, from.Add(31*time.Second-tick))
	if len(early) < all*7/10 || len(early) > all*9/10 {
		t.Errorf("%d of %d events ingested 31 s after from; want about 80%%", len(early), all)
	}
	for _, e := range early {
		if e.IngestionTime.Sub(e.Timestamp) != time.Second {
			t.Errorf("late event %d ingested 31 s after from", e.ReportID)
		}
	}
}

func groundTruthIDs(events []Event) []int64 {
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ReportID
	}
	return ids
}

// TestPollingModesAndLateEvents polls as the receiver does, every 10 s,
// once by Timestamp with a 5 s delay and once by ingestion time: the first
// misses events that arrive 30 s late, the second misses none.
func TestPollingModesAndLateEvents(t *testing.T) {
	const table = "DeviceProcessEvents"
	start := testNow.Add(-time.Minute)
	tests := []struct {
		name        string
		window      func(from, to time.Time) string
		missingLate bool
	}{
		{
			name: "event time, delay too short",
			window: func(from, to time.Time) string {
				return table + "\n| where Timestamp > " + dt(from) + " and Timestamp <= " + dt(to) + "\n| sort by Timestamp asc\n| take 100000"
			},
			missingLate: true,
		},
		{
			name: "ingestion time",
			window: func(from, to time.Time) string {
				return table + "\n| extend IngestionTime = ingestion_time()\n| where IngestionTime > " + dt(from) + " and IngestionTime <= " + dt(to) +
					"\n| sort by IngestionTime asc\n| take 100000"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock(testNow)
			s := newStoppedSimulator(t, Options{
				Now: clock.Now, LateShare: 0.1, LateBy: 30 * time.Second,
				Tables: []TableSpec{{Name: table, Start: start, Every: 50 * time.Millisecond, PerTimestamp: 3}},
			})
			delivered := map[int64]int{}
			watermark := testNow.Add(-5 * time.Second)
			for range 12 {
				clock.Advance(10 * time.Second)
				to := clock.Now().Add(-5 * time.Second)
				for _, e := range queryAt(t, s, tt.window(watermark, to)) {
					delivered[e.reportID]++
				}
				watermark = to
			}
			clock.Advance(time.Hour) // everything has arrived
			var expected []Event
			for _, e := range s.GroundTruth(table, start.Add(-time.Second), testNow.Add(time.Hour)) {
				if tt.missingLate && e.Timestamp.After(testNow.Add(-5*time.Second)) && !e.Timestamp.After(watermark) ||
					!tt.missingLate && e.IngestionTime.After(testNow.Add(-5*time.Second)) && !e.IngestionTime.After(watermark) {
					expected = append(expected, e)
				}
			}
			report := Compare(expected, delivered)
			lateMissed := 0
			for _, e := range expected {
				if delivered[e.ReportID] == 0 && e.IngestionTime.Sub(e.Timestamp) == 30*time.Second {
					lateMissed++
				}
			}
			if report.Duplicated != 0 || report.Unexpected != 0 || report.Missing != lateMissed || (lateMissed > 0) != tt.missingLate {
				t.Errorf("%s; %d late events missed", report, lateMissed)
			}
		})
	}
}
