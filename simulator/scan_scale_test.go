package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestScansArePruned queries a table of 10^13 events (three every 100 ns
// for 29 days): only a scan that starts at the window's edge and stops at
// the take answers at all.
func TestScansArePruned(t *testing.T) {
	s := newStoppedSimulator(t, Options{
		Now: func() time.Time { return testNow }, Latency: time.Second, LateShare: 0.1, LateBy: 30 * time.Second,
		Tables: []TableSpec{{Name: "DeviceNetworkEvents", Start: testNow.Add(-29 * 24 * time.Hour), Every: tick, PerTimestamp: 3}},
	})
	from, to := testNow.Add(-7*24*time.Hour+tick), testNow.Add(-24*time.Hour)
	byTimestamp := "DeviceNetworkEvents | where Timestamp > " + dt(from) + " and Timestamp <= " + dt(to) + " | sort by Timestamp "
	byIngestion := "DeviceNetworkEvents | extend IngestionTime = ingestion_time() | where IngestionTime > " + dt(from) + " and IngestionTime <= " + dt(to) +
		" | sort by IngestionTime "
	tests := []struct {
		name       string
		query      string
		key        func(event) time.Time
		descending bool
	}{
		{"Timestamp window asc", byTimestamp + "asc | take 5", eventTime, false},
		{"Timestamp window desc", byTimestamp + "desc | take 5", eventTime, true},
		{"IngestionTime window asc", byIngestion + "asc | take 5", ingestionTime, false},
		{"IngestionTime window desc", byIngestion + "desc | take 5", ingestionTime, true},
		{"newest", "DeviceNetworkEvents | sort by Timestamp desc | take 5", eventTime, true},
		{"first ingested", "DeviceNetworkEvents | extend IngestionTime = ingestion_time() | top 5 by IngestionTime asc", ingestionTime, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := time.Now()
			events := queryAt(t, s, tt.query)
			if took := time.Since(started); took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			if len(events) != 5 {
				t.Fatalf("got %d rows", len(events))
			}
			for i, e := range events {
				if e.ingested.After(testNow) {
					t.Errorf("row %d not ingested yet", i)
				}
				if i > 0 {
					c := tt.key(events[i-1]).Compare(tt.key(e))
					if tt.descending {
						c = -c
					}
					if c > 0 {
						t.Errorf("rows %d and %d out of order", i-1, i)
					}
				}
			}
		})
	}
}

// burst is the shape of the receiver's load tests: 250,000 events in two
// minutes, two per timestamp, a tenth of them 30 s late.
var burst = TableSpec{Name: "DeviceProcessEvents", Start: testNow.Add(-5 * time.Minute), Every: 960 * time.Microsecond, PerTimestamp: 2, Count: 250_000}

func burstSimulator(t *testing.T) *Simulator {
	t.Helper()
	return newStoppedSimulator(t, Options{
		Now: func() time.Time { return testNow }, LateShare: 0.1, LateBy: 30 * time.Second,
		Tables: []TableSpec{burst},
	})
}

func TestBurstGroundTruth(t *testing.T) {
	s := burstSimulator(t)
	started := time.Now()
	events := s.GroundTruth(burst.Name, burst.Start.Add(-time.Second), testNow)
	took := time.Since(started)
	t.Logf("GroundTruth of %d events: %v", len(events), took)
	if len(events) != 250_000 {
		t.Fatalf("%d events, want 250,000", len(events))
	}
	if last := events[len(events)-1].Timestamp; last.Sub(burst.Start) >= 2*time.Minute {
		t.Errorf("the burst lasts %v", last.Sub(burst.Start))
	}
	if took > 2*time.Second {
		t.Errorf("GroundTruth took %v", took)
	}
}

// TestPagingLargeWindows pages through the burst as the receiver does:
// when a page is full, the rows of its last timestamp may be incomplete, so
// the next page starts after the last complete timestamp and the rows of
// the last one come again. Every event must come exactly once.
func TestPagingLargeWindows(t *testing.T) {
	const pageSize = 100_000
	s := burstSimulator(t)
	from, to := burst.Start.Add(-time.Second), testNow
	tests := []struct {
		name  string
		query func(from time.Time) string
		key   func(event) time.Time
	}{
		{
			name: "event time",
			query: func(from time.Time) string {
				return burst.Name + "\n| where Timestamp > " + dt(from) + " and Timestamp <= " + dt(to) + "\n| sort by Timestamp asc\n| take " + strconv.Itoa(pageSize)
			},
			key: eventTime,
		},
		{
			name: "ingestion time",
			query: func(from time.Time) string {
				return burst.Name + "\n| extend IngestionTime = ingestion_time()\n| where IngestionTime > " + dt(from) + " and IngestionTime <= " + dt(to) +
					"\n| sort by IngestionTime asc\n| take " + strconv.Itoa(pageSize)
			},
			key: ingestionTime,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delivered := map[int64]int{}
			for page, after := 1, from; ; page++ {
				started := time.Now()
				rows := queryAt(t, s, tt.query(after))
				if page == 1 {
					t.Logf("first page of %d rows: %v", len(rows), time.Since(started))
				}
				if len(rows) < pageSize {
					for _, e := range rows {
						delivered[e.reportID]++
					}
					break
				}
				last := tt.key(rows[len(rows)-1])
				complete := len(rows)
				for complete > 0 && tt.key(rows[complete-1]).Equal(last) {
					complete--
				}
				if complete == 0 {
					t.Fatal("a page of rows that all share one time")
				}
				for _, e := range rows[:complete] {
					delivered[e.reportID]++
				}
				after = tt.key(rows[complete-1])
				if page > 5 {
					t.Fatal("paging does not end")
				}
			}
			if report := Compare(s.GroundTruth(burst.Name, from, to), delivered); !report.OK() || report.Unexpected != 0 || report.Expected != 250_000 {
				t.Errorf("%s", report)
			}
		})
	}
}

// TestHuntingServesALargePage serves a full page of the burst over HTTPS,
// as the receiver asks for it, with the columns cut down to keep the test
// quick under the race detector: BenchmarkHuntingPage serves every column.
func TestHuntingServesALargePage(t *testing.T) {
	s := startSimulator(t, Options{Now: func() time.Time { return testNow }, LateShare: 0.1, LateBy: 30 * time.Second, Tables: []TableSpec{burst}})
	client := trustingClient(t, s)
	query := burst.Name + "\n| extend IngestionTime = ingestion_time()\n| where IngestionTime > " + dt(burst.Start) + " and IngestionTime <= " + dt(testNow) +
		"\n| sort by IngestionTime asc\n| take 100000\n| project ReportId, Timestamp, IngestionTime"
	token := fetchToken(t, client, s)
	started := time.Now()
	resp := hunt(t, client, s, token, queryBody(t, query))
	t.Logf("100,000 rows of 3 columns (%d bytes) served in %v", len(resp.body), time.Since(started))
	var result struct{ Results []struct{ ReportId int64 } }
	if err := json.Unmarshal(resp.body, &result); err != nil || len(result.Results) != 100_000 {
		t.Fatalf("status %d, %d rows: %v", resp.status, len(result.Results), err)
	}
	served := s.Served()
	for _, row := range result.Results {
		if served[row.ReportId] != 1 {
			t.Fatalf("ReportId %d served %d times", row.ReportId, served[row.ReportId])
		}
	}
}

// BenchmarkHuntingPage serves the receiver's page of the burst, every
// column of 100,000 rows, over HTTPS to a client that discards it.
func BenchmarkHuntingPage(b *testing.B) {
	s := startSimulator(b, Options{Now: func() time.Time { return testNow }, CallsPerMinute: 1 << 20, Tables: []TableSpec{burst}})
	client := trustingClient(b, s)
	client.Timeout = time.Minute
	query := queryBody(b, burst.Name+"\n| where Timestamp > "+dt(burst.Start.Add(-tick))+" and Timestamp <= "+dt(testNow)+"\n| sort by Timestamp asc\n| take 100000")
	request := func() *http.Request {
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/api/advancedhunting/run", strings.NewReader(query))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+fetchToken(b, client, s))
		return req
	}
	for b.Loop() {
		resp, err := client.Do(request())
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		b.SetBytes(n)
	}
}
