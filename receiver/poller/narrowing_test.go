package poller

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

func TestNarrowing(t *testing.T) {
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	end := from.Add(time.Hour)
	tests := []struct {
		name      string
		start     narrowing
		class     failure
		pageSpan  time.Duration
		limit     int
		want      narrowing
		wantMoved bool
	}{
		{"timeout halves the span", narrowing{}, failureTimeout, time.Hour, 1000, narrowing{span: 30 * time.Minute}, true},
		{"timeout on a short page stops at a second", narrowing{}, failureTimeout, 1500 * time.Millisecond, 1000, narrowing{span: time.Second}, true},
		{"timeout at a second cannot narrow", narrowing{span: time.Second}, failureTimeout, time.Second, 1000, narrowing{span: time.Second}, false},
		{"too large halves the rows", narrowing{}, failureTooLarge, time.Hour, 1000, narrowing{rows: 500}, true},
		{"too large stops at 100 rows", narrowing{rows: 150}, failureTooLarge, time.Hour, 150, narrowing{rows: 100}, true},
		{"too large at 100 rows cannot narrow", narrowing{rows: 100}, failureTooLarge, time.Hour, 100, narrowing{rows: 100}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.start
			moved := n.narrow(watermark.Window{Start: from, End: from.Add(tt.pageSpan)}, tt.limit, tt.class)
			assert.Equal(t, tt.wantMoved, moved)
			assert.Equal(t, tt.want, n)
		})
	}

	page, limit := narrowing{span: 30 * time.Minute, rows: 500}.page(from, end, 1000)
	assert.Equal(t, watermark.Window{Start: from, End: from.Add(30 * time.Minute)}, page)
	assert.Equal(t, 500, limit)
	page, limit = narrowing{}.page(from, end, 1000)
	assert.Equal(t, watermark.Window{Start: from, End: end}, page, "unnarrowed pages reach the window's end")
	assert.Equal(t, 1000, limit)
}

// TestATickLargerThanANarrowedPageIsAskedForAlone: after a "result too large" halves the pages to
// 500 rows, a timestamp that 600 rows share fills a page; it is asked for alone at the row cap, and
// every row arrives once (before, 501 of the 601 did, and the rest of that instant was skipped).
func TestATickLargerThanANarrowedPageIsAskedForAlone(t *testing.T) {
	const (
		windowStart = "2026-11-26T11:00:00.0000000Z"
		windowEnd   = "2026-11-26T11:55:00.0000000Z"
		shared      = "2026-11-26T11:20:00.0000000Z"
	)
	served := []map[string]any{{"Timestamp": "2026-11-26T11:10:00.0000000Z", "ProcessId": "0"}}
	for i := 1; i <= 600; i++ {
		served = append(served, map[string]any{"Timestamp": shared, "ProcessId": strconv.Itoa(i)})
	}
	tooLarge := &huntingapi.Error{StatusCode: 400, Message: "Query execution has exceeded the allowed result size."}
	tests := []struct {
		name        string
		script      map[int]call
		wantQueries []string
		wantLost    int
	}{
		{
			name:   "the tick alone fits the row cap",
			script: map[int]call{0: {err: tooLarge}},
			wantQueries: []string{
				pageQuery(windowStart, windowEnd, 1000),
				pageQuery(windowStart, windowEnd, 500),                    // the row at 11:10, then the shared tick, held back
				pageQuery("2026-11-26T11:19:59.9999999Z", windowEnd, 500), // the shared tick fills it
				pageQuery("2026-11-26T11:19:59.9999999Z", shared, 1000),   // alone, at the cap
				pageQuery(shared, windowEnd, 500),
			},
		},
		{
			name:   "the tick alone is too large at the cap: half of it, and the rest is lost at that instant",
			script: map[int]call{0: {err: tooLarge}, 3: {err: tooLarge}},
			wantQueries: []string{
				pageQuery(windowStart, windowEnd, 1000),
				pageQuery(windowStart, windowEnd, 500),
				pageQuery("2026-11-26T11:19:59.9999999Z", windowEnd, 500),
				pageQuery("2026-11-26T11:19:59.9999999Z", shared, 1000),
				pageQuery("2026-11-26T11:19:59.9999999Z", shared, 500),
				pageQuery(shared, windowEnd, 500),
			},
			wantLost: 100,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			consumer := &scriptedConsumer{}
			h := newHarness(t, options{batchSize: 5000}, &fakeAPI{rows: served, script: tt.script}, consumer)
			require.NoError(t, h.poll())
			assert.Equal(t, tt.wantQueries, h.api.sent())
			delivered := 0
			for id, n := range consumer.accepted {
				assert.Equal(t, 1, n, "ProcessId %s", id)
				delivered += n
			}
			assert.Equal(t, len(served)-tt.wantLost, delivered)
			assert.Equal(t, `{"watermark":"`+windowEnd+`","windowed_on":"Timestamp"}`, h.storage.Value(checkpointKey))
		})
	}
}
