package defenderhuntingreceiver

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatusTrackerReportsChangesOnly(t *testing.T) {
	throttled, badQuery := errors.New("throttled"), errors.New("bad query")
	type report struct {
		query string
		err   error
	}
	tests := []struct {
		name    string
		reports []report
		want    []string // reported statuses, with the error text when there is one
	}{
		{
			name:    "first success is reported once",
			reports: []report{{"a", nil}, {"a", nil}, {"b", nil}},
			want:    []string{"StatusOK"},
		},
		{
			name:    "a failing query makes the component recoverable until it succeeds",
			reports: []report{{"a", nil}, {"b", throttled}, {"b", throttled}, {"a", nil}, {"b", nil}},
			want:    []string{"StatusOK", `StatusRecoverableError: query "b": throttled`, "StatusOK"},
		},
		{
			name:    "every failing query is named, in order",
			reports: []report{{"b", badQuery}, {"a", throttled}, {"b", nil}},
			want: []string{
				`StatusRecoverableError: query "b": bad query`,
				`StatusRecoverableError: query "a": throttled; query "b": bad query`,
				`StatusRecoverableError: query "a": throttled`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := &testHost{}
			tracker := newStatusTracker(host)
			for _, r := range tt.reports {
				tracker.report(r.query, r.err)
			}
			var got []string
			for _, event := range host.events {
				text := event.Status().String()
				if event.Err() != nil {
					text += ": " + event.Err().Error()
				}
				got = append(got, text)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
