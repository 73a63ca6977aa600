package watermark

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	parsed, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return parsed
}

func TestPolicyNext(t *testing.T) {
	now := mustTime(t, "2026-11-26T12:00:00.123456789Z")
	policy := Policy{Lookback: time.Hour, IngestionDelay: 5 * time.Minute}
	tests := []struct {
		name        string
		policy      Policy
		watermark   time.Time
		wantStart   string
		wantEnd     string
		wantDue     bool
		wantClamped bool
	}{
		{
			name:      "first window reaches back lookback and stops ingestion_delay before now, cut to 100 ns",
			policy:    policy,
			watermark: policy.Initial(now),
			wantStart: "2026-11-26T11:00:00.1234567Z",
			wantEnd:   "2026-11-26T11:55:00.1234567Z",
			wantDue:   true,
		},
		{
			name:      "next window starts exactly at the watermark",
			policy:    policy,
			watermark: mustTime(t, "2026-11-26T11:50:00.0000001Z"),
			wantStart: "2026-11-26T11:50:00.0000001Z",
			wantEnd:   "2026-11-26T11:55:00.1234567Z",
			wantDue:   true,
		},
		{
			name:      "nothing due when the watermark already reached the window end",
			policy:    policy,
			watermark: mustTime(t, "2026-11-26T11:55:00.1234567Z"),
			wantStart: "2026-11-26T11:55:00.1234567Z",
			wantEnd:   "2026-11-26T11:55:00.1234567Z",
		},
		{
			name:      "nothing due when a larger ingestion_delay puts the end before the watermark",
			policy:    Policy{Lookback: time.Hour, IngestionDelay: time.Hour},
			watermark: mustTime(t, "2026-11-26T11:30:00Z"),
			wantStart: "2026-11-26T11:30:00.0000000Z",
			wantEnd:   "2026-11-26T11:00:00.1234567Z",
		},
		{
			name:        "a watermark older than retention is moved up to it",
			policy:      policy,
			watermark:   mustTime(t, "2026-10-01T00:00:00Z"),
			wantStart:   "2026-10-27T12:01:00.1234567Z",
			wantEnd:     "2026-11-26T11:55:00.1234567Z",
			wantDue:     true,
			wantClamped: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, due := tt.policy.Next(tt.watermark, now)
			assert.Equal(t, tt.wantStart, FormatDatetime(w.Start))
			assert.Equal(t, tt.wantEnd, FormatDatetime(w.End))
			assert.Equal(t, tt.wantDue, due)
			assert.Equal(t, tt.wantClamped, w.Clamped)
		})
	}
}

func TestSelectionApply(t *testing.T) {
	w := Window{
		Start: mustTime(t, "2020-08-30T06:38:35.7664356Z"),
		End:   mustTime(t, "2020-08-30T06:43:35Z"),
	}
	tests := []struct {
		name      string
		selection Selection
		query     string // "DeviceProcessEvents // trailing comment" when empty
		want      string
	}{
		{
			name:      "event time",
			selection: Selection{TimestampColumn: "Timestamp"},
			want: "DeviceProcessEvents // trailing comment\n" +
				"| where Timestamp > datetime(2020-08-30T06:38:35.7664356Z) and Timestamp <= datetime(2020-08-30T06:43:35.0000000Z)\n" +
				"| sort by Timestamp asc\n| take 1000",
		},
		{
			name:      "ingestion time",
			selection: Selection{TimestampColumn: "Timestamp", IngestionTime: true},
			want: "DeviceProcessEvents // trailing comment\n" +
				"| extend IngestionTime = ingestion_time()\n" +
				"| where IngestionTime > datetime(2020-08-30T06:38:35.7664356Z) and IngestionTime <= datetime(2020-08-30T06:43:35.0000000Z)\n" +
				"| sort by IngestionTime asc\n| take 1000",
		},
		{
			name:      "a query that refers to the window's bounds gets them declared",
			selection: Selection{TimestampColumn: "Timestamp"},
			query:     "DeviceProcessEvents | where Timestamp > _WindowStart and Timestamp <= _WindowEnd | summarize count() by bin(Timestamp, 1m)",
			want: "let _WindowStart = datetime(2020-08-30T06:38:35.7664356Z);\nlet _WindowEnd = datetime(2020-08-30T06:43:35.0000000Z);\n" +
				"DeviceProcessEvents | where Timestamp > _WindowStart and Timestamp <= _WindowEnd | summarize count() by bin(Timestamp, 1m)\n" +
				"| where Timestamp > datetime(2020-08-30T06:38:35.7664356Z) and Timestamp <= datetime(2020-08-30T06:43:35.0000000Z)\n" +
				"| sort by Timestamp asc\n| take 1000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query := tt.query
			if query == "" {
				query = "DeviceProcessEvents // trailing comment"
			}
			assert.Equal(t, tt.want, tt.selection.Apply(query, w, 1000))
		})
	}
}

func TestFormatDatetimeKeeps100ns(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2020-08-30T06:38:35.7664356Z", "2020-08-30T06:38:35.7664356Z"},
		{"2020-08-30T06:38:35Z", "2020-08-30T06:38:35.0000000Z"},
		{"2020-08-30T08:38:35.0000001+02:00", "2020-08-30T06:38:35.0000001Z"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, FormatDatetime(mustTime(t, tt.in)))
	}
}

func TestSelectionTimespan(t *testing.T) {
	w := Window{Start: mustTime(t, "2026-11-26T10:00:00.1234567Z"), End: mustTime(t, "2026-11-26T10:05:00Z")}
	tests := []struct {
		name      string
		selection Selection
		want      string
	}{
		{"event time on Timestamp: the window, padded", Selection{TimestampColumn: "Timestamp", OneTable: true}, "2026-11-26T09:59:00Z/2026-11-26T10:06:00Z"},
		{"a query that reads other rows too: no hint", Selection{TimestampColumn: "Timestamp"}, ""},
		{"another column: no hint", Selection{TimestampColumn: "ProcessCreationTime", OneTable: true}, ""},
		{"ingestion time: no hint", Selection{TimestampColumn: "Timestamp", IngestionTime: true, OneTable: true}, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.selection.Timespan(w), tt.name)
	}
}
