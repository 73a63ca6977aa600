package simulator

import (
	"maps"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

func TestCountHECEvents(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    map[int64]int
		wantErr bool
	}{
		{
			name:  "rows as objects, one repeated",
			input: `{"time":1.5,"event":{"ReportId":7,"FileName":"cmd.exe"},"fields":{"ReportId":"99"}}{"event":{"ReportId":8}}` + "\n" + `{"event":{"ReportId":7}}`,
			want:  map[int64]int{7: 2, 8: 1},
		},
		{
			name:  "rows as JSON strings, ReportId a number or a string",
			input: `{"event":"{\"ReportId\":1000000000005}"}{"event":"{\"ReportId\":\"6\"}"}`,
			want:  map[int64]int{1000000000005: 1, 6: 1},
		},
		{
			name:  "events without a row's ReportId are left out",
			input: `{"event":"a plain message"}{"event":{"FileName":"x"}}{"time":2}`,
			want:  map[int64]int{},
		},
		{name: "no events", input: "", want: map[int64]int{}},
		{name: "an event cut off", input: `{"event":{"ReportId":7}}{"event":`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[int64]int{}
			err := CountHECEvents(strings.NewReader(tt.input), got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCountRows(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    map[int64]int
		wantErr bool
	}{
		{"a row a line, one repeated", `{"ReportId": 1, "FileName": "a"}` + "\n" + `{"ReportId": 2}` + "\n" + `{"ReportId": 1}` + "\n", map[int64]int{1: 2, 2: 1}, false},
		{"no newline after the last row", `{"ReportId": 3}`, map[int64]int{3: 1}, false},
		{"empty file", "", map[int64]int{}, false},
		{"a row without ReportId", `{"ReportId": 1}` + "\n" + `{"FileName": "a"}` + "\n", nil, true},
		{"a line that is not JSON", `{"ReportId": 1` + "\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[int64]int{}
			err := CountRows(strings.NewReader(tt.input), got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCountOTLPProto(t *testing.T) {
	logs := plog.NewLogs()
	records := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	add := func(table string) plog.LogRecord {
		record := records.AppendEmpty()
		record.SetEventName(table)
		return record
	}
	add("DeviceProcessEvents").Body().SetEmptyMap().PutInt("ReportId", 1)
	add("DeviceProcessEvents").Body().SetStr(`{"ReportId":2,"FileName":"a"}`)
	attribute := add("DeviceProcessEvents")
	attribute.Attributes().PutStr("ReportId", "3")
	attribute.Body().SetEmptyMap().PutInt("ReportId", 4) // the attribute wins
	add("DeviceProcessEvents").Body().SetEmptyMap().PutDouble("ReportId", 5)
	add("DeviceProcessEvents").Body().SetStr("not a row")
	add("DeviceNetworkEvents").Body().SetEmptyMap().PutInt("ReportId", 6)
	body, err := plogotlp.NewExportRequestFromLogs(logs).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		body    []byte
		table   string
		want    map[int64]int
		wantErr bool
	}{
		{"one table", body, "DeviceProcessEvents", map[int64]int{1: 1, 2: 1, 3: 1, 5: 1}, false},
		{"every table", body, "", map[int64]int{1: 1, 2: 1, 3: 1, 5: 1, 6: 1}, false},
		{"twice adds up", append(append([]byte{}, body...), body...), "DeviceNetworkEvents", map[int64]int{6: 2}, false},
		{"cut off", body[:len(body)-3], "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[int64]int{}
			err := CountOTLPProto(tt.body, tt.table, got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
