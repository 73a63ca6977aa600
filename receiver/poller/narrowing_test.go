package poller

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
